import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createWebhookSecret, signWebhook } from "@clawdentity/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRANSFORM_FILE } from "./transform-source";

type Transform = (ctx: { payload: unknown; headers: Record<string, string>; path: string }) => unknown;

const ALICE = "did:cdi:127.0.0.1:agent:01J0000000000000000000000A";
const BOB = "did:cdi:127.0.0.1:agent:01J0000000000000000000000B";
const secret = createWebhookSecret();
let dir: string;
let transform: Transform;

beforeAll(async () => {
  // Installed as `openclaw setup` does: the module, and the agent's file beside it.
  dir = mkdtempSync(join(tmpdir(), "clawdentity-transform-"));
  cpSync(new URL(`./assets/${TRANSFORM_FILE}`, import.meta.url), join(dir, TRANSFORM_FILE));
  mkdirSync(join(dir, "agents"));
  const agent = { agentName: "bob", agentDid: BOB, secret, skill: "clawdentity-bob", peers: { [ALICE]: "alice" } };
  writeFileSync(join(dir, "agents", "bob.json"), JSON.stringify(agent));
  transform = (await import(pathToFileURL(join(dir, TRANSFORM_FILE)).href)).default as Transform;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const delivery = {
  type: "clawdentity.delivery.v1",
  requestId: "01J00000000000000000000001",
  messageId: "01J00000000000000000000001",
  correlationId: "c-1",
  fromAgentDid: ALICE,
  toAgentDid: BOB,
  payload: { text: "Can you sum 2 and 3?", extra: [1, 2.5, "ü"] },
  conversationId: "conv-7",
  priority: "normal",
  receivedAt: "2026-12-01T00:00:00.000Z",
};

/** What the gateway hands a transform: the parsed body and lower-case headers. */
async function call(
  body: unknown,
  options: { secret?: string; timestamp?: number; tamper?: (text: string) => string } = {},
) {
  const text = JSON.stringify(body);
  const headers = await signWebhook({
    secret: options.secret ?? secret,
    id: "01J00000000000000000000001",
    body: text,
    ...(options.timestamp ? { timestamp: options.timestamp } : {}),
  });
  const sent = options.tamper ? options.tamper(text) : text;
  return () => transform({ payload: JSON.parse(sent), headers: { ...headers }, path: "clawdentity/bob" });
}

describe("the OpenClaw transform", () => {
  it("turns a signed delivery into an agent turn with the sender's name and DID, the conversation and the text", async () => {
    const action = (await call(delivery))() as { kind: string; name: string; message: string };
    expect(action.kind).toBe("agent");
    expect(action.name).toBe("Clawdentity: alice");
    expect(action.message).toContain(`Clawdentity message from alice (${ALICE})`);
    expect(action.message).toContain("conversationId: conv-7");
    expect(action.message).toContain("Can you sum 2 and 3?");
    expect(action.message).toContain(`send to ${ALICE} with conversationId conv-7 and replyTo ${delivery.messageId}`);
    // The same body gives the same turn: OpenClaw's Idempotency-Key replay compares it.
    expect((await call(delivery))()).toEqual(action);
  });

  it("turns receipts and notices into system events and answers a ping with nothing", async () => {
    const receipt = {
      type: "clawdentity.receipt.v1",
      messageId: delivery.messageId,
      correlationId: "c",
      toAgentDid: ALICE,
      status: "dead_lettered",
      reason: "expired",
      at: delivery.receivedAt,
    };
    expect((await call(receipt))()).toEqual({
      kind: "wake",
      text: `Clawdentity: your message ${delivery.messageId} to ${ALICE} was dead-lettered (expired); it will not be delivered.`,
    });
    const notice = {
      type: "clawdentity.notice.v1",
      noticeId: delivery.messageId,
      agentDid: BOB,
      code: "identity_expired",
      message: "the AIT expired",
      at: delivery.receivedAt,
    };
    expect((await call(notice))()).toMatchObject({ kind: "wake", text: expect.stringContaining("identity_expired") });
    expect(
      (
        await call({ type: "clawdentity.ping.v1", pingId: delivery.messageId, agentDid: BOB, at: delivery.receivedAt })
      )(),
    ).toBeNull();
  });

  it("refuses a tampered body, a wrong secret, an old timestamp and an unsigned call", async () => {
    await expect(
      call(delivery, { tamper: (text) => text.replace("2 and 3", "2 and 4") }).then((run) => run()),
    ).rejects.toThrow(/signature refused/);
    await expect(call(delivery, { secret: createWebhookSecret() }).then((run) => run())).rejects.toThrow(
      /signature refused/,
    );
    await expect(
      call(delivery, { timestamp: Math.floor(Date.now() / 1000) - 301 }).then((run) => run()),
    ).rejects.toThrow(/300 s window/);
    expect(() => transform({ payload: delivery, headers: {}, path: "clawdentity/bob" })).toThrow(/unsigned/);
    expect(() => transform({ payload: delivery, headers: {}, path: "clawdentity/.." })).toThrow(/no agent name/);
  });
});
