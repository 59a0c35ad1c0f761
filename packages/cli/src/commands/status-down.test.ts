import { describe, expect, it } from "vitest";
import type { StatusView } from "./status";
import { toDownList } from "./status-down";

const AGENT_DID = "did:cdi:127.0.0.1:agent:01J0000000000000000000000B";
const HEALTHY = { status: "ok" as const, version: "1", environment: "local", ready: true };
const closed = { state: "closed" as const, consecutiveFailures: 0 };

function view(change: (base: StatusView) => StatusView = (base) => base): StatusView {
  return change({
    home: "/h",
    initialized: true,
    registry: { url: "http://127.0.0.1:8788", reachable: true, health: HEALTHY },
    proxy: { url: "http://127.0.0.1:8787", reachable: true, health: HEALTHY },
    agent: { name: "alice", agentDid: AGENT_DID, aitExpiresAt: null },
    connector: {
      running: true,
      pid: 42,
      localApiUrl: "http://127.0.0.1:4000",
      status: {
        agentDid: AGENT_DID,
        startedAt: "2026-01-01T00:00:00.000Z",
        socket: { state: "connected", reconnectAttempts: 0 },
        circuits: { proxy: closed, webhook: closed },
        queues: {
          outbox: { queued: 0, relayed: 0, deadLettered: 0 },
          inbox: { pending: 0, delivered: 0, deadLettered: 0 },
          receiptOutbox: { pending: 0, failed: 0 },
          runtimeNotifications: { pending: 0, failed: 0 },
        },
      },
    },
  });
}

describe("what status counts as down", () => {
  it("nothing when registry, proxy and a connected connector are up", () => {
    expect(toDownList(view())).toEqual([]);
  });

  it("an uninitialised home, unreachable, failing or unready services", () => {
    const unreachable = {
      url: "http://127.0.0.1:9",
      reachable: false,
      error: { code: "CLI_UNREACHABLE", message: "x" },
    };
    expect(toDownList(view((base) => ({ ...base, initialized: false, registry: null, proxy: unreachable })))).toEqual([
      "not initialized (run clawdentity init)",
      "proxy unreachable",
    ]);
    const failing = { url: "u", reachable: true, error: { code: "CLI_HTTP_ERROR", message: "HTTP 502" } };
    const unready = { url: "u", reachable: true, health: { ...HEALTHY, ready: false } };
    expect(toDownList(view((base) => ({ ...base, registry: failing, proxy: unready })))).toEqual([
      "registry failing: HTTP 502",
      "proxy not ready",
    ]);
  });

  it("a stopped or silent connector, a socket not connected, an open circuit", () => {
    expect(toDownList(view((base) => ({ ...base, connector: { running: false } })))).toEqual([
      "connector of alice stopped",
    ]);
    const silent = { running: true, pid: 1, error: { code: "CLI_UNREACHABLE", message: "x" } };
    expect(toDownList(view((base) => ({ ...base, connector: silent })))).toEqual(["connector of alice not answering"]);
    const degraded = view();
    const status = degraded.connector?.status;
    if (!status) throw new Error("the base view has a connector status");
    status.socket = { state: "connecting", reconnectAttempts: 2 };
    status.circuits = {
      proxy: { state: "open", consecutiveFailures: 5 },
      webhook: { state: "open", consecutiveFailures: 5 },
    };
    expect(toDownList(degraded)).toEqual([
      "relay socket connecting",
      "proxy circuit open",
      "webhook circuit open (the runtime's webhook is failing)",
    ]);
  });

  it("an identity the proxy refused for good (expired or revoked)", () => {
    const halted = view();
    const status = halted.connector?.status;
    if (!status) throw new Error("the base view has a connector status");
    const at = "2026-01-01T00:00:00.000Z";
    status.identity = {
      jti: "01J0000000000000000000000J",
      issuedAt: at,
      expiresAt: at,
      state: "expired",
      renewal: { enabled: false, consecutiveFailures: 0 },
    };
    status.socket = { state: "disconnected", reconnectAttempts: 0 };
    expect(toDownList(halted)).toEqual(["identity expired", "relay socket disconnected"]);
  });

  it("no agent: only the services count", () => {
    expect(toDownList(view((base) => ({ ...base, agent: null, connector: null })))).toEqual([]);
  });
});
