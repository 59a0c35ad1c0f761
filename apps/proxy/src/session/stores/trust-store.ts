import type { SqlRunner } from "../../storage";

export interface TrustRecord {
  peerDid: string;
  pairedAtMs: number;
  rateLimitPerMinute: number | null;
  queueQuota: number | null;
  ticketId: string;
}

type TrustRow = {
  peer_did: string;
  paired_at_ms: number;
  rate_limit_per_minute: number | null;
  queue_quota: number | null;
  ticket_id: string;
};

const COLUMNS = "peer_did, paired_at_ms, rate_limit_per_minute, queue_quota, ticket_id";

const toTrustRecord = (row: TrustRow): TrustRecord => ({
  peerDid: row.peer_did,
  pairedAtMs: row.paired_at_ms,
  rateLimitPerMinute: row.rate_limit_per_minute,
  queueQuota: row.queue_quota,
  ticketId: row.ticket_id,
});

/** The peers this agent trusts, each with the limits its pairing set. */
export function createTrustStore(db: SqlRunner) {
  return {
    get(peerDid: string): TrustRecord | undefined {
      const row = db.first<TrustRow>(`SELECT ${COLUMNS} FROM trusted_peers WHERE peer_did = ?`, peerDid);
      return row && toTrustRecord(row);
    },
    list(): TrustRecord[] {
      return db
        .all<TrustRow>(`SELECT ${COLUMNS} FROM trusted_peers ORDER BY paired_at_ms, peer_did`)
        .map(toTrustRecord);
    },
    /** A new pairing with the same peer replaces the previous one (and its limits). */
    upsert(record: TrustRecord): void {
      db.run(
        `INSERT INTO trusted_peers (${COLUMNS}) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (peer_did) DO UPDATE SET paired_at_ms = excluded.paired_at_ms,
           rate_limit_per_minute = excluded.rate_limit_per_minute, queue_quota = excluded.queue_quota,
           ticket_id = excluded.ticket_id`,
        record.peerDid,
        record.pairedAtMs,
        record.rateLimitPerMinute,
        record.queueQuota,
        record.ticketId,
      );
    },
    remove(peerDid: string): boolean {
      return db.first("DELETE FROM trusted_peers WHERE peer_did = ? RETURNING peer_did", peerDid) !== undefined;
    },
  };
}
export type TrustStore = ReturnType<typeof createTrustStore>;
