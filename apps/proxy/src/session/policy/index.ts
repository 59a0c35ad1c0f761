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
export { type TakeTokenResult, type TakeTokensResult, type TokenBucket, takeToken, takeTokens } from "./token-bucket";
