export { type AlarmPlanner, createAlarmPlanner } from "./alarm-planner";
export { createMetricsFlusher, type MetricDeltas, toRelayMetrics } from "./metrics";
export { createSessionMaintenance, type SessionMaintenance } from "./retention";
