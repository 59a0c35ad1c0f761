import type { SqlRunner } from "../../storage";

export interface TrustRecord {
  peerDid: string;
  pairedAtMs: number;
  rateLimitPerMinute: number | null;
  queueQuota: number | null;
  ticketId: string;
  /** The peer's home proxy when it is another one (PROTOCOL.md §11.7); null: this proxy. */
  peerOrigin: string | null;
}

type TrustRow = {
  peer_did: string;
  paired_at_ms: number;
  rate_limit_per_minute: number | null;
  queue_quota: number | null;
  ticket_id: string;
  peer_origin: string | null;
};

const COLUMNS = "peer_did, paired_at_ms, rate_limit_per_minute, queue_quota, ticket_id, peer_origin";

const toTrustRecord = (row: TrustRow): TrustRecord => ({
  peerDid: row.peer_did,
  pairedAtMs: row.paired_at_ms,
  rateLimitPerMinute: row.rate_limit_per_minute,
  queueQuota: row.queue_quota,
  ticketId: row.ticket_id,
  peerOrigin: row.peer_origin,
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
        `INSERT INTO trusted_peers (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (peer_did) DO UPDATE SET paired_at_ms = excluded.paired_at_ms,
           rate_limit_per_minute = excluded.rate_limit_per_minute, queue_quota = excluded.queue_quota,
           ticket_id = excluded.ticket_id, peer_origin = excluded.peer_origin`,
        record.peerDid,
        record.pairedAtMs,
        record.rateLimitPerMinute,
        record.queueQuota,
        record.ticketId,
        record.peerOrigin,
      );
    },
    /** The removed pairing's peer origin (null: this proxy); undefined when the peer was not trusted. */
    remove(peerDid: string): { peerOrigin: string | null } | undefined {
      const row = db.first<{ peer_origin: string | null }>(
        "DELETE FROM trusted_peers WHERE peer_did = ? RETURNING peer_origin",
        peerDid,
      );
      return row && { peerOrigin: row.peer_origin };
    },
  };
}
export type TrustStore = ReturnType<typeof createTrustStore>;
