export { createSignedEventFeed } from "./event-feed";
export { createEventPublisher, type EventProducer, type EventPublisher, type PublishResult } from "./event-publisher";
export {
  claimDueEvents,
  findOldestUnsentAt,
  listFeedEvents,
  markEventFailed,
  markEventSent,
  type OutboxRecord,
  pruneSentEvents,
  toOutboxInsert,
} from "./outbox-store";
export { type SweepResult, sweepOutbox } from "./outbox-sweep";
export { toAgentRevokedEvent } from "./revocation-event";
