import type { BillableOps } from "../../packages/protocol/src/index.ts";

/**
 * Cloudflare's published Workers Paid prices, USD per million beyond the plan's monthly
 * allowances, read on 2026-12-02 from:
 * - https://developers.cloudflare.com/workers/platform/pricing/ (requests $0.30/M);
 * - https://developers.cloudflare.com/durable-objects/platform/pricing/ (requests — RPC calls,
 *   HTTP requests, alarm invocations, incoming WebSocket messages at 20:1 — $0.15/M; SQLite rows
 *   read $0.001/M, rows written $1.00/M);
 * - https://developers.cloudflare.com/queues/platform/pricing/ ($0.40/M operations; a message
 *   written, read and deleted is three, each per 64 KB);
 * - https://developers.cloudflare.com/d1/platform/pricing/ (same row prices; the proxy binds no D1).
 * Duration (GB-s) and CPU time are not counted here.
 */
export const PRICES_READ_ON = "2026-12-02";
const USD_PER_MILLION = {
  workerRequests: 0.3,
  durableObjectRequests: 0.15,
  sqlRowsRead: 0.001,
  sqlRowsWritten: 1.0,
  queueOperations: 0.4,
} as const;
const INCOMING_WEBSOCKET_MESSAGES_PER_REQUEST = 20;

export type BilledOps = Record<keyof typeof USD_PER_MILLION, number>;

/** What Cloudflare bills for the counted operations. */
export function toBilledOps(counts: BillableOps): BilledOps {
  return {
    workerRequests: counts.workerRequests,
    durableObjectRequests:
      counts.durableObjectRpcCalls +
      counts.durableObjectAlarms +
      counts.webSocketMessagesIn / INCOMING_WEBSOCKET_MESSAGES_PER_REQUEST,
    sqlRowsRead: counts.sqlRowsRead,
    sqlRowsWritten: counts.sqlRowsWritten,
    // Each consumed message was read once and deleted once (a retry reads it again: not counted).
    queueOperations: counts.queueMessagesSent + 2 * counts.queueMessagesConsumed,
  };
}

export function divideOps<T extends Record<string, number>>(ops: T, by: number): T {
  return Object.fromEntries(Object.entries(ops).map(([key, value]) => [key, value / by])) as T;
}

export function subtractOps(after: BillableOps, before: BillableOps): BillableOps {
  const keys = Object.keys(after) as Array<keyof BillableOps>;
  return Object.fromEntries(keys.map((key) => [key, after[key] - before[key]])) as BillableOps;
}

export function totalOps(billed: BilledOps): number {
  return Object.values(billed).reduce((sum, value) => sum + value, 0);
}

/** USD a month for one million messages at `perMessage` each, allowances not deducted. */
export function toMonthlyCostUsd(perMessage: BilledOps): { byKind: BilledOps; total: number } {
  const byKind = Object.fromEntries(
    Object.entries(perMessage).map(([kind, ops]) => [kind, ops * USD_PER_MILLION[kind as keyof BilledOps]]),
  ) as BilledOps;
  return { byKind, total: totalOps(byKind) };
}
