export { createFrameHandler, createSocketManager, type ProtocolErrorReason, type SocketManager } from "./connection";
export {
  createDeadLetterAdmin,
  createDeadLetterRecorder,
  type DeadLetterRecorder,
  type RetryDeadLetterResult,
} from "./dead-letters";
export {
  createDeliveryScheduler,
  createMessageIntake,
  type DeliveryScheduler,
  toInboundRateScope,
  toMaxSenderQuota,
} from "./delivery";
