import { type Clock, systemClock } from "@clawdentity/sdk";
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import { type CircuitBreaker, createCircuitBreaker } from "../src/circuit-breaker";
import { createDeliverFrameHandler } from "../src/inbox";
import type { RemoteOutcome } from "../src/proxy";
import { createWorkerLoop } from "../src/runtime";
import { type ConnectorStorage, createGroupCommit } from "../src/storage";
import {
  createDeliverFrame,
  createTestWebhookWorker,
  inboundMessage,
  outboundMessage,
  useTempStorage,
} from "./helpers";

const SENDER = "did:claw:agent:01HSENDER0000000000000000";
const RECIPIENT = "did:claw:agent:01HRECIPIENT00000000000000";
const T0 = 1_800_000_000_000;

const openStorage = useTempStorage("claim-within");

/** The row's lease as another connection sees it: only what was committed. */
function committedLease(storage: ConnectorStorage, table: "inbox" | "outbox", where: string): number | null {
  const reader = new BetterSqlite3(storage.db.name, { readonly: true });
  try {
    return (reader.prepare(`SELECT lease_until FROM ${table} WHERE ${where}`).get() as { lease_until: number | null })
      .lease_until;
  } finally {
    reader.close();
  }
}

/** A write that queues an outbound message. */
const queueOutbound = (storage: ConnectorStorage, messageId: string) => () =>
  storage.outbox.insert(outboundMessage(messageId, RECIPIENT), { now: T0, ttlMs: 3_600_000 });

/** A transaction that runs every write and then fails to commit, as a full disk would make it. */
function failingCommit(storage: ConnectorStorage): ConnectorStorage["commitEach"] {
  return (writes) => {
    const error = new Error("disk I/O error");
    try {
      storage.db.transaction(() => {
        for (const write of writes) write();
        throw error;
      })();
    } catch {
      // rolled back
    }
    return writes.map(() => ({ ok: false as const, error }));
  };
}

/** A real webhook worker whose runtime answers when the test says; records each call's signal. */
function startWebhookWorker(storage: ConnectorStorage, breaker?: CircuitBreaker) {
  const calls: Array<{ messageId: string; aborted: boolean; answer: (outcome: RemoteOutcome) => void }> = [];
  const webhook = {
    post: (input: { messageId: string }, signal: AbortSignal) =>
      new Promise<RemoteOutcome>((answer) => {
        calls.push({ messageId: input.messageId, aborted: signal.aborted, answer });
        if (signal.aborted) answer({ kind: "aborted" });
      }),
    setTarget() {},
  };
  return { ...createTestWebhookWorker(storage, webhook, breaker), calls };
}

describe("a new row is leased in the transaction that stores it", () => {
  it("a stored deliver frame: the webhook worker's claim runs inside the inbox commit and its call starts in the same turn", async () => {
    const storage = openStorage();
    const { context, worker, calls } = startWebhookWorker(storage);
    const claimedInTransaction: boolean[] = [];
    const claimDue = storage.inbox.claimDue;
    vi.spyOn(storage.inbox, "claimDue").mockImplementation((options) => {
      claimedInTransaction.push(storage.db.inTransaction);
      return claimDue(options);
    });
    worker.start();
    try {
      // The loop's own first look finds nothing and sleeps.
      await vi.waitFor(() => expect(claimedInTransaction).toEqual([false]));
      const handle = createDeliverFrameHandler({
        ...context,
        agentDid: RECIPIENT,
        claimStored: () => worker.claimWithin(),
        onReceiptQueued: () => undefined,
      });
      const frame = createDeliverFrame({ from: SENDER, to: RECIPIENT });

      const [decision] = handle([frame]);

      expect(decision).toEqual({ accepted: true, duplicate: false });
      // Claimed inside the storing transaction, and the call began before the handler returned.
      expect(claimedInTransaction).toEqual([false, true]);
      expect(calls.map((call) => [call.messageId, call.aborted])).toEqual([[frame.messageId, false]]);
      expect(committedLease(storage, "inbox", `message_id = '${frame.messageId}'`)).not.toBeNull();

      calls[0]?.answer({ kind: "accepted" });
      await vi.waitFor(() => expect(storage.inbox.countByStatus().delivered).toBe(1));
    } finally {
      await worker.stop();
    }
  });

  it("an inbox commit that fails: the frame is refused, its claimed calls start aborted and release no lease another claim holds", async () => {
    const storage = openStorage();
    const { context, worker, calls } = startWebhookWorker(storage);
    worker.start();
    // The loop's first look finds nothing; it sleeps for `maxIdleMs` (5 s).
    await new Promise((resolve) => setTimeout(resolve, 50));
    // A message already due, waiting for the worker's next look.
    const waiting = createDeliverFrame({ from: SENDER, to: RECIPIENT });
    storage.inbox.accept(inboundMessage({ messageId: waiting.id, senderDid: SENDER, toAgentDid: RECIPIENT }), {
      now: systemClock.nowMs(),
      ttlMs: 60_000,
    });
    const handlerWith = (store: ConnectorStorage) =>
      createDeliverFrameHandler({
        ...context,
        storage: store,
        agentDid: RECIPIENT,
        claimStored: () => worker.claimWithin(),
        onReceiptQueued: () => undefined,
      });
    const failing = createDeliverFrame({ from: SENDER, to: RECIPIENT });
    const next = createDeliverFrame({ from: SENDER, to: RECIPIENT });

    // The failed commit claims the waiting message and its own; the next commit, in the same turn,
    // claims the waiting message again and the next one (the rolled-back row's seq is reused).
    const [refused] = handlerWith({ ...storage, commitEach: failingCommit(storage) })([failing]);
    const [accepted] = handlerWith(storage)([next]);

    expect(refused).toEqual({ accepted: false, duplicate: false, reason: "storage_unavailable" });
    expect(accepted).toEqual({ accepted: true, duplicate: false });
    const started = calls.map((call) => [call.messageId, call.aborted]);
    expect(started).toEqual([
      [waiting.messageId, true],
      [failing.messageId, true],
      [waiting.messageId, false],
      [next.messageId, false],
    ]);
    // The aborted calls have settled: the leases the committed claim took are still held.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls).toHaveLength(4);
    expect(committedLease(storage, "inbox", `message_id = '${waiting.messageId}'`)).not.toBeNull();
    expect(committedLease(storage, "inbox", `message_id = '${next.messageId}'`)).not.toBeNull();
    for (const call of calls.filter((entry) => !entry.aborted)) call.answer({ kind: "accepted" });
    await vi.waitFor(() => expect(storage.inbox.countByStatus()).toMatchObject({ pending: 0, delivered: 2 }));
    await worker.stop();
  });

  it("a claimed call whose commit failed hands its circuit permit back: the half-open circuit's trial is free again", async () => {
    const storage = openStorage();
    const breaker = createCircuitBreaker({ failureThreshold: 1, openMs: 1, clock: systemClock });
    breaker.acquire()?.fail();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const { context, worker, calls } = startWebhookWorker(storage, breaker);
    worker.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const handle = createDeliverFrameHandler({
      ...context,
      storage: { ...storage, commitEach: failingCommit(storage) },
      agentDid: RECIPIENT,
      claimStored: () => worker.claimWithin(),
      onReceiptQueued: () => undefined,
    });
    const frame = createDeliverFrame({ from: SENDER, to: RECIPIENT });

    handle([frame]);

    expect(calls.map((call) => [call.messageId, call.aborted])).toEqual([[frame.messageId, true]]);
    await vi.waitFor(() => expect(worker.inFlight()).toBe(0));
    expect(breaker.snapshot().state).toBe("half_open");
    expect(breaker.acquire()?.trial).toBe(true);
    await worker.stop();
  });

  it("an outbound submit: the group commit's claim sees the new row inside the transaction; nothing claimed wakes the loop", async () => {
    const storage = openStorage();
    const clock: Clock = { nowMs: () => T0 };
    const claims: Array<{ inTransaction: boolean; rows: string[] }> = [];
    const started: string[] = [];
    let claimable = true;
    const loop = createWorkerLoop({
      name: "outbox",
      clock,
      concurrency: 4,
      maxIdleMs: 60_000,
      claim(limit) {
        const rows = claimable ? storage.outbox.claimDue({ now: T0, leaseMs: 60_000, limit }) : [];
        claims.push({ inTransaction: storage.db.inTransaction, rows: rows.map((row) => row.messageId) });
        return rows.map((row) => async () => {
          started.push(row.messageId);
        });
      },
      nextWakeAt: () => null,
      onError: (error) => {
        throw error;
      },
    });
    const commitSoon = createGroupCommit(storage, { claimWithin: () => loop.claimWithin() });
    const queue = (messageId: string) => queueOutbound(storage, messageId);
    loop.start();
    try {
      await vi.waitFor(() => expect(claims).toHaveLength(1));
      await Promise.all([
        commitSoon(queue("01KA0000000000000000000001")),
        commitSoon(queue("01KA0000000000000000000002")),
      ]);
      expect(claims[1]).toEqual({
        inTransaction: true,
        rows: ["01KA0000000000000000000001", "01KA0000000000000000000002"],
      });
      expect(started).toEqual(["01KA0000000000000000000001", "01KA0000000000000000000002"]);
      expect(committedLease(storage, "outbox", "message_id = '01KA0000000000000000000002'")).not.toBeNull();

      // With nothing it may claim now (a breaker open, a pause), the loop is woken to look again itself.
      await vi.waitFor(() => expect(claims.length).toBeGreaterThanOrEqual(3));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const before = claims.length;
      claimable = false;
      await commitSoon(queue("01KA0000000000000000000003"));
      await vi.waitFor(() => expect(claims.slice(before).map((claim) => claim.inTransaction)).toEqual([true, false]));
    } finally {
      await loop.stop();
    }
  });

  it("a claim that takes part of what is due (one batch) leaves the rest to the loop's next turn", async () => {
    const storage = openStorage();
    const clock: Clock = { nowMs: () => T0 };
    const started: string[] = [];
    // Every call stays in flight until the end: no finished call wakes the loop.
    let finish = () => {};
    const inFlight = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const loop = createWorkerLoop({
      name: "outbox",
      clock,
      concurrency: 4,
      maxIdleMs: 60_000,
      // One row a claim, as one batch request is one task.
      claim: (limit) =>
        storage.outbox.claimDue({ now: T0, leaseMs: 60_000, limit: Math.min(limit, 1) }).map((row) => () => {
          started.push(row.messageId);
          return inFlight;
        }),
      nextWakeAt: () => null,
      onError: (error) => {
        throw error;
      },
    });
    const commitSoon = createGroupCommit(storage, { claimWithin: () => loop.claimWithin() });
    loop.start();
    try {
      const ids = ["01KA0000000000000000000011", "01KA0000000000000000000012", "01KA0000000000000000000013"];
      await Promise.all(ids.map((id) => commitSoon(queueOutbound(storage, id))));
      await vi.waitFor(() => expect(started).toEqual(ids), { timeout: 2_000 });
    } finally {
      finish();
      await loop.stop();
    }
  });
});
