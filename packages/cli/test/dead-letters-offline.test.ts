import { createAgentHome, openConnectorStorage, resolveAgentHomePaths } from "@clawdentity/connector";
import { generateEd25519KeyPair } from "@clawdentity/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CliHarness, createCliHarness } from "./helpers/cli-harness";

const AGENT_DID = "did:cdi:127.0.0.1:agent:01J0000000000000000000000A";
const PEER_DID = "did:cdi:127.0.0.1:agent:01J0000000000000000000000B";
const MESSAGE_ID = "01J0000000000000000000000M";

let cli: CliHarness;
afterEach(() => cli?.dispose());

/** An agent whose connector ran once, dead-lettered one message and stopped. */
async function createStoppedAgent(home: string) {
  createAgentHome({
    home,
    agentName: "alice",
    identity: { agentDid: AGENT_DID, ait: "not-a-real-ait", seed: (await generateEd25519KeyPair()).seed },
    proxyUrl: "http://127.0.0.1:9",
    deliveryWebhookUrl: "http://127.0.0.1:9/hook",
  });
  const storage = openConnectorStorage(resolveAgentHomePaths({ home, agentName: "alice" }).databasePath);
  const now = Date.now() - 60_000;
  storage.outbox.insert(
    {
      messageId: MESSAGE_ID,
      correlationId: MESSAGE_ID,
      toAgentDid: PEER_DID,
      payload: "{}",
      conversationId: null,
      replyTo: null,
      priority: "critical",
      traceparent: null,
    },
    { now, ttlMs: 60_000 },
  );
  storage.outbox.deadLetter({ messageId: MESSAGE_ID, now, reason: "untrusted", error: "HTTP 403" });
  storage.close();
}

describe("dead letters of a stopped connector", () => {
  beforeEach(async () => {
    cli = createCliHarness();
    await createStoppedAgent(cli.home);
  });

  it("list and show read the agent's database, read-only, and say so on stderr", async () => {
    const listed = await cli.run("--json", "dead-letters", "list");
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect(listed.json()).toEqual({
      deadLetters: [
        expect.objectContaining({
          direction: "outbound",
          messageId: MESSAGE_ID,
          peerAgentDid: PEER_DID,
          reason: "untrusted",
        }),
      ],
    });
    const text = await cli.run("dead-letters", "list", "--peer", PEER_DID);
    expect(text.stdout).toContain(`${MESSAGE_ID}  outbound`);
    expect(text.stderr).toMatch(/^connector of alice is not running: read from .*connector\.db\n$/);
    expect((await cli.run("--json", "dead-letters", "show", MESSAGE_ID)).json()).toMatchObject({
      deadLetter: { messageId: MESSAGE_ID, priority: "critical" },
    });
  });

  it("retry and purge still need the running connector", async () => {
    const purge = await cli.run("--json", "dead-letters", "purge", "--yes");
    expect(purge.error().code).toBe("CLI_CONNECTOR_NOT_RUNNING");
    const retry = await cli.run("--json", "dead-letters", "retry", MESSAGE_ID);
    expect(retry.error().code).toBe("CLI_CONNECTOR_NOT_RUNNING");
  });
});

describe("destructive commands ask, or need --yes", () => {
  it("refuse without a terminal to ask on, and name --yes", async () => {
    cli = createCliHarness();
    await createStoppedAgent(cli.home);
    for (const argv of [
      ["dead-letters", "purge"],
      ["dead-letters", "purge", "--relay"],
      ["agent", "revoke", "alice"],
    ]) {
      const run = await cli.run("--json", ...argv);
      expect(run.exitCode, argv.join(" ")).toBe(1);
      expect(run.error()).toMatchObject({
        code: "CLI_CONFIRMATION_REQUIRED",
        message: expect.stringContaining("--yes"),
      });
    }
  });

  it("ask on a terminal; a no changes nothing", async () => {
    const questions: string[] = [];
    cli = createCliHarness({
      io: {
        tty: { stdin: true, stdout: true, stderr: true },
        confirm: async (question) => {
          questions.push(question);
          return false;
        },
      },
    });
    await createStoppedAgent(cli.home);
    const purge = await cli.run("dead-letters", "purge", "--older-than", "1m");
    expect(purge.exitCode).toBe(1);
    expect(purge.stderr).toContain("CLI_CANCELLED");
    const revoke = await cli.run("agent", "revoke", "alice");
    expect(revoke.stderr).toContain("CLI_CANCELLED");
    expect(questions).toEqual([
      "Delete the dead letters (older than 1m) of alice?",
      `Revoke alice (${AGENT_DID})? It cannot be undone.`,
    ]);
    expect((await cli.run("--json", "dead-letters", "list")).json()).toMatchObject({
      deadLetters: [{ messageId: MESSAGE_ID }],
    });
  });
});
