export {
  type CircuitPhase,
  type CircuitSettings,
  type CircuitState,
  CLOSED_CIRCUIT,
  toCircuitAfterFailure,
  toCircuitPhase,
  toDispatchAllowance,
} from "./circuit-breaker";
export { toPercentiles } from "./percentiles";
export { type TakeTokenResult, type TokenBucket, takeToken } from "./token-bucket";
