import { env } from "cloudflare:workers";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { claimDueEvents, markEventSent, toAgentRevokedEvent, toOutboxInsert } from "../src/outbox";

const db = env.DB;
const nowMs = Date.now();

async function insertDueEvents(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const event = toAgentRevokedEvent({
      id: createUlid(nowMs),
      nowMs,
      initiatedBy: null,
      agentDid: `did:cdi:127.0.0.1:agent:${createUlid(nowMs)}`,
      jti: createUlid(nowMs),
      reason: "agent_revoked",
    });
    // Written with a lease that has already run out, as after a crashed publisher.
    await toOutboxInsert(db, { event, nowMs: nowMs - 120_000, leaseId: "gone", leaseUntilMs: nowMs - 60_000 }).run();
    ids.push(event.id);
  }
  return ids;
}

describe("claimDueEvents", () => {
  it("hands each due row to exactly one of many concurrent claimers", async () => {
    const ids = await insertDueEvents(12);
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        claimDueEvents(db, { nowMs, leaseId: `lease-${index}`, leaseUntilMs: nowMs + 60_000, limit: 2 }),
      ),
    );
    const claimed = claims.flat().map((record) => record.id);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.sort()).toEqual([...ids].sort());

    // Leased rows are not claimable again until the lease runs out.
    expect(await claimDueEvents(db, { nowMs, leaseId: "late", leaseUntilMs: nowMs + 60_000, limit: 100 })).toEqual([]);
    const reclaimed = await claimDueEvents(db, {
      nowMs: nowMs + 60_000,
      leaseId: "after-expiry",
      leaseUntilMs: nowMs + 120_000,
      limit: 100,
    });
    expect(reclaimed).toHaveLength(12);
  });

  it("lets only the current lease holder mark a row sent", async () => {
    const [id = ""] = await insertDueEvents(1);
    const later = nowMs + 600_000;
    await claimDueEvents(db, { nowMs: later, leaseId: "holder", leaseUntilMs: later + 60_000, limit: 100 });
    expect(await markEventSent(db, { id, leaseId: "someone-else", nowMs: later })).toBe(false);
    expect(await markEventSent(db, { id, leaseId: "holder", nowMs: later })).toBe(true);
    expect(await markEventSent(db, { id, leaseId: "holder", nowMs: later })).toBe(false);
    const due = await claimDueEvents(db, { nowMs: later + 3_600_000, leaseId: "x", leaseUntilMs: 0, limit: 100 });
    expect(due.map((record) => record.id)).not.toContain(id);
  });
});
