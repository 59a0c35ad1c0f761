import { PRIORITIES, type Priority } from "@clawdentity/protocol";
import type { SqlRunner } from "../../storage";

/** Senders whose depth is held at once; past this the map starts over (each is one indexed COUNT away). */
const MAX_HELD_SENDERS = 1_000;

/** A live message as the depth counts see it. */
export interface DepthKey {
  sender_did: string;
  priority_rank: number;
}

/**
 * Live messages (queued, waiting, in flight) per priority and per sender, held in memory: each
 * count is read once per wake with an indexed COUNT, then moved by the message store's own writes
 * (`add` on entering a live state, `remove` on leaving it), so no write pays for a counter row.
 * `forget` drops everything, after a rolled-back transaction.
 */
export function createMessageDepth(db: SqlRunner) {
  let byPriority: number[] | undefined;
  const bySender = new Map<string, number>();

  const countByPriority = (): number[] => {
    const counts = PRIORITIES.map(() => 0);
    // Queued and waiting rows are counted from the covering shedding index, in-flight ones from theirs.
    const rows = [
      ...db.all<{ priority_rank: number; n: number }>(
        `SELECT priority_rank, COUNT(*) AS n FROM messages WHERE state IN ('queued', 'waiting')
         GROUP BY priority_rank`,
      ),
      ...db.all<{ priority_rank: number; n: number }>(
        "SELECT priority_rank, COUNT(*) AS n FROM messages WHERE state = 'in_flight' GROUP BY priority_rank",
      ),
    ];
    for (const row of rows) counts[row.priority_rank] = (counts[row.priority_rank] ?? 0) + row.n;
    return counts;
  };

  const countForSender = (senderDid: string): number =>
    (db.first<{ n: number }>(
      "SELECT COUNT(*) AS n FROM messages WHERE sender_did = ? AND state IN ('queued', 'waiting')",
      senderDid,
    )?.n ?? 0) +
    (db.first<{ n: number }>(
      "SELECT COUNT(*) AS n FROM messages WHERE state = 'in_flight' AND sender_did = ?",
      senderDid,
    )?.n ?? 0);

  const move = (key: DepthKey, delta: 1 | -1) => {
    if (byPriority) byPriority[key.priority_rank] = (byPriority[key.priority_rank] ?? 0) + delta;
    const held = bySender.get(key.sender_did);
    if (held !== undefined) bySender.set(key.sender_did, held + delta);
  };

  const priorities = () => {
    byPriority ??= countByPriority();
    return byPriority;
  };

  return {
    add: (key: DepthKey) => move(key, 1),
    remove: (key: DepthKey) => move(key, -1),
    byPriority(): Record<Priority, number> {
      const counts = priorities();
      return Object.fromEntries(PRIORITIES.map((priority, rank) => [priority, counts[rank] ?? 0])) as Record<
        Priority,
        number
      >;
    },
    total(): number {
      return priorities().reduce((sum, count) => sum + count, 0);
    },
    sender(senderDid: string): number {
      const held = bySender.get(senderDid);
      if (held !== undefined) return held;
      if (bySender.size >= MAX_HELD_SENDERS) bySender.clear();
      const counted = countForSender(senderDid);
      bySender.set(senderDid, counted);
      return counted;
    },
    forget(): void {
      byPriority = undefined;
      bySender.clear();
    },
  };
}
export type MessageDepth = ReturnType<typeof createMessageDepth>;
