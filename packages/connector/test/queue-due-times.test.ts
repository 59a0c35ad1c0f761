import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type ConnectorStorage, openConnectorStorage } from "../src";

const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;

let dir = "";
let storage: ConnectorStorage | undefined;

afterEach(() => {
  storage?.close();
  storage = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function openScratch(): ConnectorStorage {
  dir = mkdtempSync(join(tmpdir(), "queue-due-"));
  storage = openConnectorStorage(join(dir, "connector.db"), "NORMAL");
  return storage;
}

function queue(store: ConnectorStorage, count: number, now: number) {
  store.transaction(() => {
    for (let index = 0; index < count; index++) {
      store.outbox.insert(
        {
          messageId: `01K${String(now).slice(-9)}${String(index).padStart(14, "0")}`.slice(0, 26),
          correlationId: "c",
          toAgentDid: "did:claw:agent:peer",
          payload: "{}",
          conversationId: null,
          replyTo: null,
          priority: "normal",
          traceparent: null,
        },
        { now, ttlMs: HOUR },
      );
    }
  });
}

describe("due times of a leased queue", () => {
  it("is the earliest unleased row, or a lease's end when that comes first", () => {
    const store = openScratch();
    expect(store.outbox.nextDueAt()).toBeNull();
    queue(store, 2, T0);
    expect(store.outbox.nextDueAt()).toBe(T0);

    // Both claimed under a 30 s lease: nothing is due before the leases end, not at their old times.
    expect(store.outbox.claimDue({ now: T0, leaseMs: 30_000, limit: 2 })).toHaveLength(2);
    expect(store.outbox.nextDueAt()).toBe(T0 + 30_000);

    // One goes back to wait 5 s: it is due before the other's lease ends.
    const [first] = store.outbox.claimDue({ now: T0 + 30_000, leaseMs: 30_000, limit: 2 });
    store.outbox.scheduleRetry({
      messageId: first?.messageId ?? "",
      now: T0 + 30_000,
      nextAttemptAt: T0 + 35_000,
      error: "unreachable",
    });
    expect(store.outbox.nextDueAt()).toBe(T0 + 35_000);
  });

  it("expires only what is past its TTL and not held by a live lease", () => {
    const store = openScratch();
    queue(store, 3, T0);
    queue(store, 2, T0 + 10 * 60_000);
    const [leased] = store.outbox.claimDue({ now: T0 + HOUR, leaseMs: 20 * 60_000, limit: 1 });
    const expired = store.outbox.listExpired(T0 + HOUR);
    expect(expired).toHaveLength(2);
    expect(expired).not.toContain(leased?.messageId);
    expect(store.outbox.listExpired(T0 + HOUR + 10 * 60_000 + 1)).toHaveLength(4);
  });
});
