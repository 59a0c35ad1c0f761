import { createAgentHome, readAgentConfig } from "@clawdentity/connector";
import { generateEd25519KeyPair } from "@clawdentity/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CliHarness, createCliHarness } from "./helpers/cli-harness";

let cli: CliHarness;
beforeEach(async () => {
  cli = createCliHarness();
  createAgentHome({
    home: cli.home,
    agentName: "bob",
    identity: {
      agentDid: "did:cdi:127.0.0.1:agent:01J00000000000000000000000",
      ait: "ait",
      seed: (await generateEd25519KeyPair()).seed,
    },
    proxyUrl: "http://127.0.0.1:1",
    deliveryWebhookUrl: "http://127.0.0.1:2/hook",
  });
});
afterEach(() => cli.dispose());

const config = () => readAgentConfig({ home: cli.home, agentName: "bob" });

describe("connector webhook", () => {
  it("saves URL, headers and timeout into config.json and never prints a header's value", async () => {
    const set = await cli.run(
      "--json",
      "connector",
      "webhook",
      "--url",
      "http://127.0.0.1:18789/hooks/clawdentity/bob",
      "--header",
      "Authorization: Bearer secret-hook-token",
      "--header",
      "X-Team: blue",
      "--timeout",
      "75",
    );
    expect(set.exitCode).toBe(0);
    expect(set.stdout).not.toContain("secret-hook-token");
    expect(set.json()).toEqual({
      agentName: "bob",
      url: "http://127.0.0.1:18789/hooks/clawdentity/bob",
      headers: ["authorization", "x-team"],
      timeoutMs: 75_000,
      signed: false,
      changed: true,
    });
    expect(config()).toMatchObject({
      deliveryWebhookUrl: "http://127.0.0.1:18789/hooks/clawdentity/bob",
      webhook: { headers: { authorization: "Bearer secret-hook-token", "x-team": "blue" } },
      // The lease must outlast a call, so it grows with the timeout.
      tuning: { webhookTimeoutMs: 75_000, leaseMs: 105_000 },
    });

    const removed = await cli.run("connector", "webhook", "--remove-header", "X-Team");
    expect(removed.stdout).toContain("headers: authorization; timeout 75 s");
    expect(config().webhook?.headers).toEqual({ authorization: "Bearer secret-hook-token" });
  });

  it("creates or rotates the signing secret and prints it only when asked", async () => {
    const rotated = await cli.run("--json", "connector", "webhook", "--rotate-secret");
    expect(rotated.json()).toMatchObject({ signed: true, changed: true });
    expect(rotated.stdout).not.toContain("whsec_");
    const secret = config().webhook?.secret;
    expect(secret).toMatch(/^whsec_/);
    const shown = await cli.run("--json", "connector", "webhook", "--show-secret");
    expect(shown.json()).toMatchObject({ signed: true, changed: false, secret });
    await cli.run("connector", "webhook", "--rotate-secret");
    expect(config().webhook?.secret).not.toBe(secret);
  });

  it("refuses a header the connector sets itself and leaves the file as it was", async () => {
    const run = await cli.run("--json", "connector", "webhook", "--header", "Idempotency-Key: x");
    expect(run.exitCode).toBe(1);
    expect(run.error()).toMatchObject({
      code: "CLI_INVALID_ARGUMENT",
      message: expect.stringContaining("set by the connector"),
    });
    expect(config().webhook).toBeUndefined();
  });
});
