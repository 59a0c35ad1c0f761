import type { QueueRecordKind } from "../ops";
import type { QueueContext } from "./queue-context";

export type ParseResult<T> =
  | { ok: true; value: T }
  | { ok: false; kind: Extract<QueueRecordKind, "malformed" | "unknown_type">; reason: string };

/** `done`, or a message that was valid but could not be delivered anywhere (recorded, not retried). */
export type HandleResult = "done" | { unroutable: string };

/**
 * One consumer module: applies one type of event, each on its own (`handle` throws on a transient
 * failure: the message is then retried with a delay) or a batch's together (`handleBatch`, fewer
 * calls: one result per event, in order; an `Error` retries that message alone, with a delay).
 */
export type MessageConsumer<T> =
  | { handle(event: T, ctx: QueueContext): Promise<HandleResult> }
  | { handleBatch(events: T[], ctx: QueueContext): Promise<Array<HandleResult | Error>> };
