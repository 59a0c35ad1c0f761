import type { SqlRunner } from "../../storage";

/** One-time use of the pairing tickets this agent issued, kept until the ticket itself expires. */
export function createPairingTicketStore(db: SqlRunner) {
  return {
    /** Who redeemed the ticket, if anyone did. */
    findRedeemer(ticketId: string): string | undefined {
      return db.first<{ peer_did: string }>("SELECT peer_did FROM pairing_ticket_uses WHERE ticket_id = ?", ticketId)
        ?.peer_did;
    },
    recordUse(input: { ticketId: string; peerDid: string; usedAtMs: number; expiresAtMs: number }): void {
      db.run(
        "INSERT INTO pairing_ticket_uses (ticket_id, peer_did, used_at_ms, expires_at_ms) VALUES (?, ?, ?, ?)",
        input.ticketId,
        input.peerDid,
        input.usedAtMs,
        input.expiresAtMs,
      );
    },
    prune(nowMs: number, limit = 32): void {
      db.run(
        `DELETE FROM pairing_ticket_uses WHERE ticket_id IN
           (SELECT ticket_id FROM pairing_ticket_uses WHERE expires_at_ms <= ? LIMIT ?)`,
        nowMs,
        limit,
      );
    },
  };
}
export type PairingTicketStore = ReturnType<typeof createPairingTicketStore>;
