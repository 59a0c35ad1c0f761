export {
  createOutboundService,
  type OutboundService,
  type OutboundServiceDeps,
  type SubmitOutboundInput,
  type SubmitOutboundResult,
} from "./outbound-service";
export { createOutboxWorker, type OutboxWorker, type OutboxWorkerDeps, toRelayHeaders } from "./outbox-worker";
export { createOutcomeReconciler, type OutcomeReconcilerDeps } from "./outcome-reconciler";
