import { z } from "zod";

export const RECEIPT_STATUSES = ["delivered_to_webhook", "dead_lettered"] as const;
export const receiptStatusSchema = z.enum(RECEIPT_STATUSES);
export type ReceiptStatus = z.infer<typeof receiptStatusSchema>;

/** Reasons a message dies; the list is open-ended on the wire, these are the ones the system emits. */
export const DEAD_LETTER_REASONS = [
  "expired",
  "max_attempts",
  "webhook_rejected",
  /** The runtime kept answering 401/403/404 (a wrong URL or token) until the message's TTL. */
  "webhook_misconfigured",
  "recipient_revoked",
  "sender_revoked",
  "queue_full",
  "shed",
  "untrusted",
  "payload_too_large",
  "invalid_request",
  "recipient_not_found",
  "purged",
  /** The sender's connector never learned the outcome of a relayed message before its deadline. */
  "outcome_unknown",
  /** The recipient's home proxy did not take a forwarded message before its TTL (PROTOCOL.md §11.4). */
  "proxy_unreachable",
  /** The recipient's home proxy refused a forwarded message. */
  "proxy_refused",
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export const receiptReasonSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[a-z0-9_:.-]+$/, "reason must be a lower-case token");
