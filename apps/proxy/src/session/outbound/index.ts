export {
  createOutboundTransport,
  createOutbox,
  createOutboxFlusher,
  createReceiptIntake,
  type DeliveryReport,
  type Outbox,
  type SubmitReceiptInput,
  type SubmitReceiptResult,
} from "./outbox";
export {
  createSenderReceipts,
  createTimeline,
  type SenderReceipts,
  type SentMessageInput,
  type Timeline,
} from "./sender-record";
