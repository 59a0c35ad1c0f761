export {
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitBreakerSnapshot,
  type CircuitPermit,
  createCircuitBreaker,
} from "./circuit-breaker";
