import { afterEach, describe, expect, it } from "vitest";
import { writeCliConfig } from "../src/config";
import { type CliHarness, createCliHarness } from "./helpers/cli-harness";
import { createCannedFetch, errorEnvelope, jsonResponse } from "./helpers/fake-api";

const TOKEN = `clw_pat_01J00000000000000000000000_${"a".repeat(43)}`;

let cli: CliHarness;
afterEach(() => cli.dispose());

/** A home with a saved token, whose registry answers every call with `answer`. */
function withRegistryAnswer(answer: () => Response | Promise<Response>) {
  const canned = createCannedFetch(answer);
  cli = createCliHarness({ io: { fetch: canned.fetch } });
  writeCliConfig(cli.home, { version: 1, registryUrl: "http://r.test", proxyUrl: "http://p.test", token: TOKEN });
  return canned;
}

describe("API errors", () => {
  it("shows a 4xx envelope as CODE: message (requestId) with exit 1", async () => {
    withRegistryAnswer(() => jsonResponse(409, errorEnvelope("REGISTRY_INVITE_USED", "invite already used", "req-9")));
    const text = await cli.run("invite", "redeem", "clw_inv_x");
    expect(text).toMatchObject({ exitCode: 1, stdout: "" });
    expect(text.stderr).toBe("error: REGISTRY_INVITE_USED: invite already used (req-9)\n");
    const json = await cli.run("--json", "invite", "redeem", "clw_inv_x");
    expect(json.exitCode).toBe(1);
    expect(json.error()).toEqual({
      code: "REGISTRY_INVITE_USED",
      message: "invite already used",
      requestId: "req-9",
      status: 409,
    });
  });

  it("keeps the envelope's details", async () => {
    const details = { issues: [{ path: ["expiresInDays"], message: "too big" }] };
    withRegistryAnswer(() =>
      jsonResponse(400, {
        error: { code: "REGISTRY_VALIDATION_FAILED", message: "bad body", requestId: "r", details },
      }),
    );
    const run = await cli.run("--json", "invite", "create");
    expect(run.error()).toMatchObject({ code: "REGISTRY_VALIDATION_FAILED", details });
  });

  it("treats a 5xx as fatal (exit 2)", async () => {
    withRegistryAnswer(() => jsonResponse(500, errorEnvelope("REGISTRY_INTERNAL", "boom")));
    const run = await cli.run("--json", "invite", "list");
    expect(run.exitCode).toBe(2);
    expect(run.error()).toMatchObject({ code: "REGISTRY_INTERNAL", status: 500 });
  });

  it("names the status and keeps x-request-id when the answer is not an envelope", async () => {
    withRegistryAnswer(() => new Response("Bad Gateway", { status: 502 }));
    const gateway = await cli.run("--json", "invite", "list");
    expect(gateway.exitCode).toBe(2);
    expect(gateway.error()).toMatchObject({
      code: "CLI_HTTP_ERROR",
      message: "registry answered HTTP 502: Bad Gateway",
    });

    withRegistryAnswer(() => new Response(null, { status: 404, headers: { "x-request-id": "rid-404" } }));
    const missing = await cli.run("--json", "invite", "list");
    expect(missing.exitCode).toBe(1);
    expect(missing.error()).toMatchObject({ code: "CLI_HTTP_ERROR", requestId: "rid-404", status: 404 });
  });

  it("reports an unreachable service as a user error naming the cause", async () => {
    withRegistryAnswer(() => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }) });
    });
    const run = await cli.run("invite", "list");
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe("error: CLI_UNREACHABLE: cannot reach the registry at http://r.test: ECONNREFUSED\n");
  });

  it("treats a success body the protocol does not allow as fatal", async () => {
    withRegistryAnswer(() => jsonResponse(200, { invites: [{ id: "not-a-ulid" }] }));
    const run = await cli.run("--json", "invite", "list");
    expect(run.exitCode).toBe(2);
    expect(run.error().code).toBe("CLI_UNEXPECTED_RESPONSE");
    expect(run.stdout).toBe("");
  });

  it("treats an unexpected exception as a fatal bug (exit 2), not a user error", async () => {
    withRegistryAnswer(() => ({ ok: true, status: 200 }) as unknown as Response);
    const run = await cli.run("--json", "invite", "list");
    expect(run.exitCode).toBe(2);
    expect(run.error().code).toBe("CLI_INTERNAL");
  });

  it("prints nothing on stdout when a command fails, and the result when it succeeds", async () => {
    const canned = withRegistryAnswer(() => jsonResponse(201, { code: "x" }));
    const bad = await cli.run("--json", "invite", "create", "--role", "admin", "--note", "for ops");
    expect(bad.exitCode).toBe(2);
    expect(bad.stdout).toBe("");
    expect(JSON.parse(canned.requests[0]?.body ?? "")).toEqual({ role: "admin", note: "for ops" });
    expect(canned.requests[0]?.headers.get("content-type")).toBe("application/json");
  });
});
