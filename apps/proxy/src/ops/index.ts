export { OpsAggregate } from "./ops-aggregate";
export type { QueueRecordInput, QueueRecordKind } from "./queue-record-store";
