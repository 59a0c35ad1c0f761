export { acquirePermits, callGuarded, claimWithPermits, settleBatch, toNextWakeAt } from "./guarded-call";
export { computeRetryDelayMs, type RetryPolicy, resolveRetryPolicy } from "./retry-delay";
export {
  claimRolledBack,
  createWorkerLoop,
  type WorkerLoop,
  type WorkerLoopOptions,
  type WorkerTask,
} from "./worker-loop";
