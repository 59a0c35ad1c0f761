import type { ConnectorStatusResponse } from "@clawdentity/protocol";
import { describe, expect, it } from "vitest";
import { type StatusView, toStatusLines } from "./status";

const NOW = Date.parse("2026-01-01T12:00:00.000Z");
const AGENT_DID = "did:cdi:127.0.0.1:agent:01J0000000000000000000000B";

function viewWith(outbox: ConnectorStatusResponse["queues"]["outbox"]): StatusView {
  const circuit = { state: "closed" as const, consecutiveFailures: 0 };
  return {
    home: "/home/a/.clawdentity",
    initialized: true,
    registry: null,
    proxy: null,
    agent: { name: "alice", agentDid: AGENT_DID, aitExpiresAt: null },
    connector: {
      running: true,
      pid: 42,
      localApiUrl: "http://127.0.0.1:4000",
      status: {
        agentDid: AGENT_DID,
        startedAt: "2026-01-01T00:00:00.000Z",
        socket: { state: "connected", reconnectAttempts: 0 },
        circuits: { proxy: circuit, webhook: circuit },
        queues: {
          outbox,
          inbox: { pending: 0, delivered: 0, deadLettered: 0 },
          receiptOutbox: { pending: 0, failed: 0 },
          runtimeNotifications: { pending: 0, failed: 0 },
        },
      },
    },
  };
}

describe("status text", () => {
  it("shows how many relayed messages await an outcome and how old the oldest is", () => {
    const lines = toStatusLines(
      viewWith({
        queued: 0,
        relayed: 3,
        deadLettered: 0,
        awaitingOutcome: { count: 3, oldestRelayedAt: "2026-01-01T09:00:00.000Z" },
      }),
      NOW,
    );
    expect(lines).toContain("  outcomes awaiting 3, oldest relayed 2026-01-01T09:00:00.000Z (3 h ago)");
  });

  it("shows none awaiting without an age, and nothing for a connector that does not report it", () => {
    const idle = viewWith({ queued: 0, relayed: 0, deadLettered: 0, awaitingOutcome: { count: 0 } });
    expect(toStatusLines(idle, NOW)).toContain("  outcomes awaiting 0");
    const older = toStatusLines(viewWith({ queued: 0, relayed: 0, deadLettered: 0 }), NOW);
    expect(older.some((line) => line.includes("outcomes"))).toBe(false);
  });
});
