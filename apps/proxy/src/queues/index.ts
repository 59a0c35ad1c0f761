export { consumeEach, type HandleResult, type MessageConsumer, type ParseResult } from "./consume-each";
export { consumeDeadLetterQueue } from "./dead-letter-queue";
export { deliveryReceiptsConsumer } from "./delivery-receipts";
export { type FeedPollResult, pollEventFeed } from "./event-feed-poll";
export { handleQueueBatch } from "./handle-queue-batch";
export type { QueueContext } from "./queue-context";
export { revocationEventsConsumer, toRevokeInput } from "./revocation-events";
export { type SweepResult, sweepRevocationList } from "./revocation-sweep";
export { toRetryDelaySeconds } from "./settle-messages";
