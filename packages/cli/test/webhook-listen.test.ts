import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAgentHome } from "@clawdentity/connector";
import { createWebhookSecret, generateEd25519KeyPair, signWebhook } from "@clawdentity/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { createCli } from "../src";

const AGENT_DID = "did:cdi:127.0.0.1:agent:01J0000000000000000000000A";
const PEER_DID = "did:cdi:127.0.0.1:agent:01J0000000000000000000000B";
const DELIVERY = {
  type: "clawdentity.delivery.v1",
  requestId: "01J0000000000000000000000R",
  messageId: "01J0000000000000000000000M",
  correlationId: "01J0000000000000000000000M",
  fromAgentDid: PEER_DID,
  toAgentDid: AGENT_DID,
  payload: { text: "hello" },
  priority: "critical",
  receivedAt: "2026-01-01T00:00:00.000Z",
};

interface Listening {
  url: string;
  output: () => string;
  errors: () => string;
  exited: Promise<number>;
}

const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

/** `webhook listen ...` in this process; resolves once it printed where it listens. */
async function listen(home: string, ...argv: string[]): Promise<Listening> {
  let stdout = "";
  let stderr = "";
  let announce: (line: string) => void = () => {};
  const announced = new Promise<string>((resolve) => {
    announce = resolve;
  });
  const exited = createCli({
    env: { NO_COLOR: "1" },
    tty: { stdin: false, stdout: false, stderr: false },
    waitForStop: () => new Promise(() => {}),
    stdout: (text) => {
      stdout += text;
      if (stdout.includes("\n")) announce(stdout.split("\n")[0] ?? "");
    },
    stderr: (text) => {
      stderr += text;
    },
  }).run(["--home", home, "webhook", "listen", ...argv]);
  const first = await Promise.race([announced, exited.then((code) => `exited ${code}: ${stderr}`)]);
  const url = /listening on (\S+)/.exec(first)?.[1] ?? JSON.parse(first).url;
  return { url, output: () => stdout, errors: () => stderr, exited };
}

function tempHome(): string {
  const home = mkdtempSync(join(tmpdir(), "clawdentity-listen-"));
  homes.push(home);
  return home;
}

function findFreePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("webhook listen", () => {
  it("answers every webhook body, prints one line each, refuses what is not one, and stops after --count", async () => {
    const listener = await listen(tempHome(), "--port", "0", "--count", "2");
    const post = (body: string) => fetch(`${listener.url}/hook`, { method: "POST", body });
    expect((await post(JSON.stringify(DELIVERY))).status).toBe(204);
    expect((await post("{not json")).status).toBe(400);
    const receipt = {
      type: "clawdentity.receipt.v1",
      messageId: DELIVERY.messageId,
      correlationId: DELIVERY.correlationId,
      toAgentDid: PEER_DID,
      status: "dead_lettered",
      reason: "max_attempts",
      at: "2026-01-01T00:00:01.000Z",
    };
    expect((await post(JSON.stringify(receipt))).status).toBe(204);
    expect(await listener.exited).toBe(0);
    const lines = listener.output().trim().split("\n");
    expect(lines[1]).toMatch(
      /delivery 01J0000000000000000000000M from did:cdi:127\.0\.0\.1:agent:01J0000000000000000000000B critical: \{"text":"hello"\}$/,
    );
    expect(lines[2]).toMatch(/receipt {2}01J0000000000000000000000M dead_lettered \(max_attempts\) to did:/);
    expect(lines[3]).toBe("stopped after 2 webhook calls (count 2)");
    expect(listener.errors()).toContain("refused a request: not JSON");
  });

  it("--json prints event lines with each body; --status sets the answer", async () => {
    const listener = await listen(tempHome(), "--json", "--port", "0", "--count", "1", "--status", "503");
    const answer = await fetch(listener.url, { method: "POST", body: JSON.stringify(DELIVERY) });
    expect(answer.status).toBe(503);
    expect(await listener.exited).toBe(0);
    const events = listener
      .output()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events).toEqual([
      { event: "listening", url: listener.url, answerStatus: 503, verifying: null },
      { event: "received", path: "/", body: DELIVERY },
      { event: "stopped", received: 1, reason: "count 1" },
    ]);
  });

  it("as the agent's runtime: on the port of its webhook URL, refusing calls not signed with its secret", async () => {
    const home = tempHome();
    const port = await findFreePort();
    const secret = createWebhookSecret();
    createAgentHome({
      home,
      agentName: "alice",
      identity: { agentDid: AGENT_DID, ait: "not-a-real-ait", seed: (await generateEd25519KeyPair()).seed },
      proxyUrl: "http://127.0.0.1:9",
      deliveryWebhookUrl: `http://127.0.0.1:${port}/hook`,
      webhook: { secret },
    });
    const listener = await listen(home, "--count", "1");
    expect(listener.url).toBe(`http://127.0.0.1:${port}`);
    expect(listener.output()).toContain("verifying signatures with alice's signing secret");
    const body = JSON.stringify(DELIVERY);
    const unsigned = await fetch(`${listener.url}/hook`, { method: "POST", body });
    expect(unsigned.status).toBe(401);
    const forged = await signWebhook({ secret: createWebhookSecret(), id: DELIVERY.messageId, body });
    expect((await fetch(`${listener.url}/hook`, { method: "POST", body, headers: forged })).status).toBe(401);
    const signed = await signWebhook({ secret, id: DELIVERY.messageId, body });
    expect((await fetch(`${listener.url}/hook`, { method: "POST", body, headers: signed })).status).toBe(204);
    expect(await listener.exited).toBe(0);
    expect(listener.errors()).toContain(
      "refused a request: signature: webhook-id, webhook-timestamp and webhook-signature are required",
    );
  });
});
