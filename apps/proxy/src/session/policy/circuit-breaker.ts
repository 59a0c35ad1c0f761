/** Persisted circuit of one relay session: refusals in a row, and until when pushing pauses. */
export interface CircuitState {
  consecutiveFailures: number;
  openUntilMs: number | null;
}

export interface CircuitSettings {
  failureThreshold: number;
  openMs: number;
}

export type CircuitPhase = "closed" | "open" | "half_open";

export const CLOSED_CIRCUIT: CircuitState = { consecutiveFailures: 0, openUntilMs: null };

export function toCircuitPhase(state: CircuitState, nowMs: number): CircuitPhase {
  if (state.openUntilMs === null) return "closed";
  return nowMs < state.openUntilMs ? "open" : "half_open";
}

/** A refusal opens the circuit at the threshold, and re-opens it when the half-open trial fails. */
export function toCircuitAfterFailure(state: CircuitState, nowMs: number, settings: CircuitSettings): CircuitState {
  const consecutiveFailures = state.consecutiveFailures + 1;
  const opens = toCircuitPhase(state, nowMs) === "half_open" || consecutiveFailures >= settings.failureThreshold;
  return { consecutiveFailures, openUntilMs: opens ? nowMs + settings.openMs : state.openUntilMs };
}

/** How many more messages may be pushed now: the window when closed, one trial when half-open. */
export function toDispatchAllowance(phase: CircuitPhase, window: number, inFlight: number): number {
  if (phase === "open") return 0;
  if (phase === "half_open") return inFlight === 0 ? 1 : 0;
  return Math.max(0, window - inFlight);
}
