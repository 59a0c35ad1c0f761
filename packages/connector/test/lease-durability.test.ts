import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type ConnectorStorage, openConnectorStorage } from "../src";
import { outboundMessage } from "./helpers";

const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;
/** `PRAGMA synchronous` as SQLite reports it. */
const FULL = 2;
const NORMAL = 1;

let dir = "";
const opened: ConnectorStorage[] = [];

afterEach(() => {
  for (const storage of opened.splice(0)) if (storage.db.open) storage.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = "";
});

function open(synchronous?: "FULL" | "NORMAL"): ConnectorStorage {
  dir ||= mkdtempSync(join(tmpdir(), "lease-durability-"));
  const storage = openConnectorStorage(join(dir, "connector.db"), synchronous);
  opened.push(storage);
  return storage;
}

function queue(storage: ConnectorStorage, messageId: string): void {
  storage.outbox.insert(outboundMessage(messageId, "did:claw:agent:peer"), { now: T0, ttlMs: HOUR });
}

const ID = "01KA0000000000000000000001";
const synchronous = (storage: ConnectorStorage) => storage.db.pragma("synchronous", { simple: true });

describe("a lease is written without waiting for the disk", () => {
  it("claims under synchronous = NORMAL and puts FULL back for every other commit", () => {
    const storage = open();
    queue(storage, ID);
    const pragma = vi.spyOn(storage.db, "pragma");
    const [row] = storage.outbox.claimDue({ now: T0, leaseMs: 60_000, limit: 10 });
    expect(row?.messageId).toBe(ID);
    const set = pragma.mock.calls.map(([source]) => source).filter((source) => source.includes("="));
    expect(set).toEqual(["synchronous = NORMAL", "synchronous = FULL"]);
    expect(synchronous(storage)).toBe(FULL);
    // The lease holds: the row is not claimed twice while it runs.
    expect(storage.outbox.claimDue({ now: T0 + 1, leaseMs: 60_000, limit: 10 })).toEqual([]);
  });

  it("inside a transaction the outer commit decides, and a NORMAL database stays NORMAL", () => {
    const full = open();
    queue(full, ID);
    const claimed = full.transaction(() => full.outbox.claimDue({ now: T0, leaseMs: 60_000, limit: 10 }));
    expect(claimed).toHaveLength(1);
    expect(synchronous(full)).toBe(FULL);
    full.close();

    const normal = open("NORMAL");
    normal.outbox.release(ID);
    expect(normal.outbox.claimDue({ now: T0, leaseMs: 60_000, limit: 10 })).toHaveLength(1);
    expect(synchronous(normal)).toBe(NORMAL);
  });

  it("a lease lost or left behind costs nothing: after a restart the row is claimable again", () => {
    const first = open();
    queue(first, ID);
    expect(first.outbox.claimDue({ now: T0, leaseMs: 60_000, limit: 10 })).toHaveLength(1);
    first.close();

    const second = open();
    expect(second.recoverLeases()).toBe(1);
    expect(second.outbox.claimDue({ now: T0 + 1, leaseMs: 60_000, limit: 10 }).map((row) => row.messageId)).toEqual([
      ID,
    ]);
  });
});

describe("bookkeeping whose loss only repeats idempotent work is written without waiting for the disk", () => {
  const setCalls = (pragma: { mock: { calls: unknown[][] } }) =>
    pragma.mock.calls.map(([source]) => String(source)).filter((source) => source.includes("="));

  it("marking a row relayed, a job done and an inbox delivery commit under NORMAL; the outbox row itself under FULL", () => {
    const storage = open();
    const pragma = vi.spyOn(storage.db, "pragma");
    queue(storage, ID);
    expect(setCalls(pragma)).toEqual([]);

    expect(storage.outbox.markRelayed({ messageId: ID, now: T0, outcomeCheckAt: T0 + HOUR })).toBe(true);
    expect(setCalls(pragma)).toEqual(["synchronous = NORMAL", "synchronous = FULL"]);

    pragma.mockClear();
    storage.receiptOutbox.enqueue({ messageId: ID, body: { messageId: ID }, now: T0, ttlMs: HOUR });
    const [job] = storage.receiptOutbox.claimDue({ now: T0, leaseMs: 60_000, limit: 1 });
    pragma.mockClear();
    storage.receiptOutbox.markAllDone([job?.id as number], T0);
    expect(setCalls(pragma)).toEqual(["synchronous = NORMAL", "synchronous = FULL"]);
    expect(storage.receiptOutbox.get(job?.id as number)?.state).toBe("done");

    pragma.mockClear();
    expect(storage.commitEachWithoutFsync([() => storage.outbox.get(ID)?.status])).toEqual([
      { ok: true, value: "relayed" },
    ]);
    expect(setCalls(pragma)).toEqual(["synchronous = NORMAL", "synchronous = FULL"]);
    expect(synchronous(storage)).toBe(FULL);
  });
});
