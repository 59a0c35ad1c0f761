export { formatHopReferences, formatTimeline } from "./format-trace";
export {
  type HopReference,
  type HopVerdict,
  type LatencyReferences,
  toHopReferences,
} from "./hop-reference";
export {
  type MergedTrace,
  mergeTrace,
  type TraceEvent,
  type TraceSource,
  type TraceStep,
  toConnectorEvents,
  toProxyEvents,
} from "./merge-trace";
