export { formatTimeline } from "./format-trace";
export {
  type MergedTrace,
  mergeTrace,
  type TraceEvent,
  type TraceSource,
  type TraceStep,
  toConnectorEvents,
  toProxyEvents,
} from "./merge-trace";
