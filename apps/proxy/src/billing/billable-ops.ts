import type { BillableOps } from "@clawdentity/protocol";

export type BillableOp = keyof BillableOps;

const ZERO: BillableOps = {
  workerRequests: 0,
  durableObjectRpcCalls: 0,
  durableObjectAlarms: 0,
  webSocketMessagesIn: 0,
  webSocketMessagesOut: 0,
  sqlRowsRead: 0,
  sqlRowsWritten: 0,
  queueMessagesSent: 0,
  queueMessagesConsumed: 0,
};

/**
 * The operations Cloudflare bills, counted where the code performs them, for this isolate. Plain
 * module state: counting is an addition, never a storage write (which would itself be billed). In
 * local workerd one isolate runs the Worker and all its Durable Objects, so one read sees the whole
 * proxy; in production each isolate holds its own share and Cloudflare's analytics are the bill.
 */
const counts: BillableOps = { ...ZERO };
const sinceMs = Date.now();

export function countBillable(op: BillableOp, by = 1): void {
  counts[op] += by;
}

/** Adds what an SQL cursor read and wrote (final once the cursor is consumed). */
export function countSqlCursor(
  cursor: Pick<SqlStorageCursor<Record<string, SqlStorageValue>>, "rowsRead" | "rowsWritten">,
): void {
  counts.sqlRowsRead += cursor.rowsRead;
  counts.sqlRowsWritten += cursor.rowsWritten;
}

export function readBillableOps(): { sinceMs: number; counts: BillableOps } {
  return { sinceMs, counts: { ...counts } };
}
