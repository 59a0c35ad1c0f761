import type { BillableOps } from "../../packages/protocol/src/index.ts";

/**
 * Billable operations per delivered message before the batching work of issue 16, printed beside
 * every run's own: `pnpm bench` (1,000 messages, 16 in flight) at commit 3403a23 on the 2-core
 * development machine.
 */
export const BEFORE_BATCHING: BillableOps = {
  workerRequests: 2.03,
  durableObjectRpcCalls: 7.2,
  durableObjectAlarms: 0.11,
  webSocketMessagesIn: 2.0,
  webSocketMessagesOut: 2.0,
  sqlRowsRead: 329.2,
  sqlRowsWritten: 70.13,
  queueMessagesSent: 1.0,
  queueMessagesConsumed: 1.0,
};
