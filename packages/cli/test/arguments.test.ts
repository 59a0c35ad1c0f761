import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CliHarness, createCliHarness } from "./helpers/cli-harness";

const DID = "did:cdi:127.0.0.1:agent:01J0000000000000000000000B";
const MESSAGE_ID = "01J0000000000000000000000M";

let cli: CliHarness;
beforeEach(() => {
  cli = createCliHarness();
});
afterEach(() => cli.dispose());

/** Usage errors are exit 1 and, under --json, one CLI_INVALID_ARGUMENT envelope on stderr and nothing on stdout. */
async function expectUsageError(argv: string[], messagePart: RegExp | string): Promise<void> {
  const run = await cli.run("--json", ...argv);
  expect(run.exitCode, run.stderr).toBe(1);
  expect(run.stdout).toBe("");
  expect(run.error().code).toBe("CLI_INVALID_ARGUMENT");
  expect(run.error().message).toMatch(messagePart);
}

describe("the program", () => {
  it("prints help and version with exit 0", async () => {
    const help = await cli.run("--help");
    expect(help.exitCode).toBe(0);
    for (const noun of [
      "init",
      "admin",
      "invite",
      "agent",
      "pair",
      "connector",
      "status",
      "send",
      "trace",
      "dead-letters",
    ]) {
      expect(help.stdout).toContain(noun);
    }
    const version = await cli.run("--version");
    expect(version).toMatchObject({ exitCode: 0, stdout: "0.1.0\n" });
  });

  it("refuses unknown commands and options, in text and in JSON", async () => {
    const text = await cli.run("launch");
    expect(text.exitCode).toBe(1);
    expect(text.stderr).toContain("unknown command 'launch'");
    await expectUsageError(["status", "--colour"], "unknown option '--colour'");
  });

  it("accepts the global options before or after the command", async () => {
    const after = await cli.run("status", "--json");
    expect(after.exitCode).toBe(3);
    expect(after.json()).toMatchObject({ home: cli.home, initialized: false, agent: null });
  });
});

describe("argument validation per command", () => {
  it("init", async () => {
    await expectUsageError(["init", "--registry-url", "registry.local"], "http(s) URL");
    await expectUsageError(["init", "--proxy-url", "ftp://127.0.0.1"], "http(s) URL");
  });

  it("admin bootstrap needs a secret", async () => {
    await expectUsageError(["admin", "bootstrap"], "--secret");
  });

  it("invite", async () => {
    await expectUsageError(["invite", "create", "--role", "owner"], "Allowed choices are admin, member");
    await expectUsageError(["invite", "create", "--expires-in-days", "31"], "from 1 to 30");
    await expectUsageError(["invite", "redeem"], "missing required argument 'code'");
  });

  it("agent", async () => {
    await expectUsageError(["agent", "create", "has space"], "agent name");
    await expectUsageError(["agent", "create", ".hidden"], "agent name");
    await expectUsageError(["agent", "create", "a", "--ttl-days", "91"], "from 1 to 90");
    await expectUsageError(["agent", "create", "a", "--webhook", "ftp://x"], "http(s) URL");
    await expectUsageError(["agent", "create", "a", "--local-port", "70000"], "from 0 to 65535");
    await expectUsageError(["agent", "list", "--status", "gone"], "active, revoked");
    await expectUsageError(["agent", "use", "../etc"], "agent name");
  });

  it("pair", async () => {
    await expectUsageError(["pair", "start", "--ttl-seconds", "10"], "from 30 to 3600");
    await expectUsageError(["pair", "remove", "did:web:example.com"], "agent DID");
    await expectUsageError(["pair", "confirm"], "missing required argument 'ticket'");
  });

  it("connector start", async () => {
    await expectUsageError(["connector", "start", "--webhook", "not a url"], "http(s) URL");
    await expectUsageError(["connector", "start", "--port", "-1"], "from 0 to 65535");
  });

  it("send", async () => {
    await expectUsageError(["send", "--text", "hi"], "required option '--to <did>'");
    await expectUsageError(["send", "--to", "bob", "--text", "hi"], "agent DID");
    await expectUsageError(["send", "--to", DID, "--priority", "urgent", "--text", "x"], "critical, normal, low");
    await expectUsageError(["send", "--to", DID, "--correlation-id", "has space", "--text", "x"], "printable ASCII");
    await expectUsageError(["send", "--to", DID, "--wait", "soon", "--text", "x"], "integer");
    await expectUsageError(["send", "--to", DID], "either a JSON payload argument or --text");
    await expectUsageError(["send", "--to", DID, "{}", "--text", "x"], "either a JSON payload argument or --text");
    await expectUsageError(["send", "--to", DID, "{not json"], "not JSON");
  });

  it("trace and dead-letters", async () => {
    await expectUsageError(["trace", "12345"], "ULID");
    await expectUsageError(["dead-letters", "list", "--older-than", "yesterday"], "duration like 7d");
    await expectUsageError(["dead-letters", "list", "--older-than", "2026-13-01T00:00:00Z"], "not a valid timestamp");
    await expectUsageError(["dead-letters", "list", "--direction", "sideways"], "outbound, inbound");
    await expectUsageError(["dead-letters", "list", "--limit", "0"], "from 1 to 1000");
    await expectUsageError(
      ["dead-letters", "list", "--relay", "--direction", "inbound"],
      "--relay does not take direction",
    );
    await expectUsageError(["dead-letters", "purge", "--relay", "--peer", DID], "--relay does not take peer");
    await expectUsageError(["dead-letters", "retry", MESSAGE_ID, "--relay", "--direction", "outbound"], "direction");
    await expectUsageError(["dead-letters", "show", "x"], "ULID");
  });

  it("status", async () => {
    await expectUsageError(["status", "--wait", "-5"], "from 0 to 3600");
  });
});
