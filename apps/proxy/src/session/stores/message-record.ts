import { PRIORITIES, type Priority } from "@clawdentity/protocol";

/**
 * `queued` waits for a socket slot, `waiting` sits out a backoff, `in_flight` awaits its
 * `deliver_ack`; `delivered` and `dead_lettered` are terminal and keep the row (without the
 * payload once delivered) as the delivery record until retention prunes it.
 */
export type MessageState = "queued" | "waiting" | "in_flight" | "delivered" | "dead_lettered";

export interface MessageRecord {
  seq: number;
  senderDid: string;
  messageId: string;
  correlationId: string;
  priority: Priority;
  conversationId: string | null;
  replyTo: string | null;
  traceparent: string | null;
  payload: string | null;
  payloadBytes: number;
  state: MessageState;
  attempts: number;
  acceptedAtMs: number;
  queuedAtMs: number;
  expiresAtMs: number;
  dueAtMs: number | null;
  lastAttemptAtMs: number | null;
  deliveredAtMs: number | null;
  lastError: string | null;
}

export type NewMessage = Pick<
  MessageRecord,
  | "senderDid"
  | "messageId"
  | "correlationId"
  | "priority"
  | "conversationId"
  | "replyTo"
  | "traceparent"
  | "acceptedAtMs"
  | "queuedAtMs"
  | "expiresAtMs"
> & { payload: string };

export type MessageRow = {
  seq: number;
  sender_did: string;
  message_id: string;
  correlation_id: string;
  priority_rank: number;
  conversation_id: string | null;
  reply_to: string | null;
  traceparent: string | null;
  payload: string | null;
  payload_bytes: number;
  state: string;
  attempts: number;
  accepted_at_ms: number;
  queued_at_ms: number;
  expires_at_ms: number;
  due_at_ms: number | null;
  last_attempt_at_ms: number | null;
  delivered_at_ms: number | null;
  last_error: string | null;
};

export const toMessageRecord = (row: MessageRow): MessageRecord => ({
  seq: row.seq,
  senderDid: row.sender_did,
  messageId: row.message_id,
  correlationId: row.correlation_id,
  priority: PRIORITIES[row.priority_rank] ?? "normal",
  conversationId: row.conversation_id,
  replyTo: row.reply_to,
  traceparent: row.traceparent,
  payload: row.payload,
  payloadBytes: row.payload_bytes,
  state: row.state as MessageState,
  attempts: row.attempts,
  acceptedAtMs: row.accepted_at_ms,
  queuedAtMs: row.queued_at_ms,
  expiresAtMs: row.expires_at_ms,
  dueAtMs: row.due_at_ms,
  lastAttemptAtMs: row.last_attempt_at_ms,
  deliveredAtMs: row.delivered_at_ms,
  lastError: row.last_error,
});
