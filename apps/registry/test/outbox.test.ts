import { type OwnerSessionResponse, queueEventSchema } from "@clawdentity/protocol";
import { beforeAll, describe, expect, it } from "vitest";
import { handleScheduled } from "../src/scheduled";
import {
  bootstrapAdmin,
  createFailingProducer,
  createManualClock,
  createRecordingProducer,
  createTestRegistry,
  readOutbox,
  registerAgent,
} from "./helpers";

describe("event outbox", () => {
  const clock = createManualClock();
  const failing = createFailingProducer();
  const broken = createTestRegistry({ clock, events: failing });
  let owner: OwnerSessionResponse;

  beforeAll(async () => {
    owner = await bootstrapAdmin(broken);
  });

  /** Another "instance" over the same D1, publishing to the real queue and recording what it sent. */
  const createHealthyInstance = () => {
    const recording = createRecordingProducer();
    return { ...recording, registry: createTestRegistry({ clock, events: recording.producer }) };
  };

  const revokeWithBrokenQueue = async () => {
    const { agent } = await registerAgent(broken, owner);
    const response = await broken.call("DELETE", `/v1/agents/${agent.id}`, { token: owner.secret });
    expect(response.status).toBe(200);
    const row = (await readOutbox(broken.deps.db)).find((entry) => entry.payload.includes(agent.currentJti));
    if (!row) throw new Error("no outbox row for the revocation");
    return { agent, row };
  };

  it("publishes right after commit and marks the row sent", async () => {
    const healthy = createHealthyInstance();
    const { agent } = await registerAgent(healthy.registry, owner);
    await healthy.registry.call("DELETE", `/v1/agents/${agent.id}`, { token: owner.secret });
    expect(healthy.sent).toHaveLength(1);
    const event = healthy.sent[0];
    expect(queueEventSchema.parse(event)).toMatchObject({
      type: "agent.auth.revoked",
      version: "v1",
      initiatedByAccountId: owner.owner.did,
      data: { agentDid: agent.did, jti: agent.currentJti, reason: "agent_revoked" },
    });
    const row = (await readOutbox(healthy.registry.deps.db)).find((entry) => entry.id === event?.id);
    expect(row).toMatchObject({ attempts: 1, lease_id: null, last_error: null });
    expect(row?.sent_at).toBe(clock.nowMs());
  });

  it("announces a reissue as the old jti revoked with reason `reissued`", async () => {
    const healthy = createHealthyInstance();
    const { agent } = await registerAgent(healthy.registry, owner);
    await healthy.registry.call("POST", `/v1/agents/${agent.id}/reissue`, { token: owner.secret });
    expect(healthy.sent.map((event) => event.data)).toEqual([
      { agentDid: agent.did, jti: agent.currentJti, reason: "reissued" },
    ]);
  });

  it("keeps the row unsent when the queue send throws, and the request still succeeds", async () => {
    const callsBefore = failing.calls;
    const { row } = await revokeWithBrokenQueue();
    expect(failing.calls).toBe(callsBefore + 1);
    expect(row.sent_at).toBeNull();
    expect(row.attempts).toBe(1);
    expect(row.last_error).toContain("queue unavailable");
    expect(row.lease_id).toBeNull();
    expect(row.next_attempt_at).toBeGreaterThan(clock.nowMs());
  });

  it("waits for the backoff, then two concurrent sweeps publish each event exactly once", async () => {
    const pending = [await revokeWithBrokenQueue(), await revokeWithBrokenQueue(), await revokeWithBrokenQueue()];
    const first = createHealthyInstance();
    const second = createHealthyInstance();
    const sweep = (instance: ReturnType<typeof createHealthyInstance>) => handleScheduled(instance.registry.context);

    // Not due yet: the failed attempt backs off.
    expect((await sweep(first)).claimed).toBe(0);

    clock.advance(broken.config.outbox.retryMaxMs * 2);
    const small = {
      ...first.registry.context,
      config: { ...first.registry.config, outbox: { ...first.registry.config.outbox, sweepBatchSize: 1 } },
    };
    await Promise.all([sweep(first), handleScheduled(small), sweep(second), sweep(first)]);

    const published = [...first.sent, ...second.sent].map((event) => event.id);
    for (const { row } of pending) expect(published.filter((id) => id === row.id)).toHaveLength(1);
    expect(new Set(published).size).toBe(published.length);

    const rows = await readOutbox(broken.deps.db);
    for (const { row } of pending) {
      expect(rows.find((entry) => entry.id === row.id)).toMatchObject({ attempts: 2, lease_id: null });
      expect(rows.find((entry) => entry.id === row.id)?.sent_at).not.toBeNull();
    }

    // Published rows are never published again.
    const third = createHealthyInstance();
    clock.advance(broken.config.outbox.retryMaxMs * 2);
    expect(await handleScheduled(third.registry.context)).toMatchObject({ claimed: 0, sent: 0 });
    expect(third.sent).toHaveLength(0);
  });

  it("keeps the event id and payload stable across failed and successful republishing", async () => {
    const { agent, row } = await revokeWithBrokenQueue();
    clock.advance(broken.config.outbox.retryMaxMs * 2);
    expect(await handleScheduled(broken.context)).toMatchObject({ claimed: 1, failed: 1 });
    const afterSecondFailure = (await readOutbox(broken.deps.db)).find((entry) => entry.id === row.id);
    expect(afterSecondFailure).toMatchObject({ attempts: 2, payload: row.payload, sent_at: null });

    clock.advance(broken.config.outbox.retryMaxMs * 2);
    const healthy = createHealthyInstance();
    expect(await handleScheduled(healthy.registry.context)).toMatchObject({ claimed: 1, sent: 1 });
    expect(healthy.sent).toEqual([JSON.parse(row.payload)]);
    expect(healthy.sent[0]).toMatchObject({ id: row.id, data: { jti: agent.currentJti } });
  });

  it("leaves a row alone while the request that wrote it holds its lease", async () => {
    // The request commits, then its queue send hangs, as if the isolate died before publishing.
    const { agent } = await registerAgent(broken, owner);
    let release: (error: Error) => void = () => undefined;
    const hanging = new Promise<never>((_, reject) => {
      release = reject;
    });
    const stuck = createTestRegistry({ clock, events: { send: () => hanging } });
    const revoke = stuck.call("DELETE", `/v1/agents/${agent.id}`, { token: owner.secret });
    const row = await waitForRow(stuck.deps.db, agent.currentJti);
    expect(row.lease_until).toBe(clock.nowMs() + broken.config.outbox.leaseMs);

    const healthy = createHealthyInstance();
    await handleScheduled(healthy.registry.context);
    expect(healthy.sent.map((event) => event.id)).not.toContain(row.id);
    clock.advance(broken.config.outbox.leaseMs);
    await handleScheduled(healthy.registry.context);
    expect(healthy.sent.filter((event) => event.id === row.id)).toHaveLength(1);

    // The stale publisher finally fails: it no longer holds the lease, so the sent row stays sent.
    release(new Error("isolate gone"));
    expect((await revoke).status).toBe(200);
    const final = (await readOutbox(broken.deps.db)).find((entry) => entry.id === row.id);
    expect(final?.sent_at).not.toBeNull();
    expect(final?.last_error).toBeNull();
  });

  it("prunes sent rows after the retention period and never unsent ones", async () => {
    const { row: unsent } = await revokeWithBrokenQueue();
    const healthy = createHealthyInstance();
    const { agent } = await registerAgent(healthy.registry, owner);
    await healthy.registry.call("DELETE", `/v1/agents/${agent.id}`, { token: owner.secret });
    const sentId = healthy.sent[0]?.id;
    const { row: newest } = await revokeWithBrokenQueue();

    clock.advance(broken.config.outbox.retentionMs + 1);
    // The broken instance sweeps: the unsent rows fail again and stay; sent rows past retention go.
    const result = await handleScheduled(broken.context);
    expect(result.pruned).toBeGreaterThan(0);
    const ids = (await readOutbox(broken.deps.db)).map((entry) => entry.id);
    expect(ids).not.toContain(sentId);
    expect(ids).toContain(unsent.id);
    expect(ids).toContain(newest.id);
  });

  it("keeps the newest row even when it is sent and past retention, so the feed cursor never goes back", async () => {
    const healthy = createHealthyInstance();
    for (const name of ["older", "newest"]) {
      const { agent } = await registerAgent(healthy.registry, owner, { name });
      await healthy.registry.call("DELETE", `/v1/agents/${agent.id}`, { token: owner.secret });
    }
    const [olderId, newestId] = healthy.sent.slice(-2).map((event) => event.id);
    clock.advance(healthy.registry.config.outbox.retentionMs + 1);
    await handleScheduled(healthy.registry.context);
    const ids = (await readOutbox(healthy.registry.deps.db)).map((entry) => entry.id);
    expect(ids).not.toContain(olderId);
    expect(ids).toContain(newestId);
  });
});

async function waitForRow(db: D1Database, jti: string) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const row = (await readOutbox(db)).find((entry) => entry.payload.includes(jti));
    if (row) return row;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("outbox row never appeared");
}
