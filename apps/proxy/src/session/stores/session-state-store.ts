import type { SqlRunner } from "../../storage";
import type { CircuitState } from "../policy/circuit-breaker";

const CIRCUIT_FAILURES = "circuit.failures";
const CIRCUIT_OPEN_UNTIL = "circuit.open_until_ms";

/** Small scalar state of the session (the delivery circuit, metric flush bookkeeping), one row per key. */
export function createSessionStateStore(db: SqlRunner) {
  const read = (key: string): number | null =>
    db.first<{ value: number | null }>("SELECT value FROM session_state WHERE key = ?", key)?.value ?? null;
  const write = (key: string, value: number | null) =>
    db.run(
      "INSERT INTO session_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      value,
    );
  const readCircuit = (): CircuitState => ({
    consecutiveFailures: read(CIRCUIT_FAILURES) ?? 0,
    openUntilMs: read(CIRCUIT_OPEN_UNTIL),
  });
  return {
    read,
    write,
    readCircuit,
    writeCircuit(state: CircuitState): void {
      write(CIRCUIT_FAILURES, state.consecutiveFailures);
      write(CIRCUIT_OPEN_UNTIL, state.openUntilMs);
    },
    /** Closes the circuit; writes nothing when it is closed already (every delivery calls this). */
    closeCircuit(): void {
      const current = readCircuit();
      if (current.consecutiveFailures !== 0 || current.openUntilMs !== null) {
        write(CIRCUIT_FAILURES, 0);
        write(CIRCUIT_OPEN_UNTIL, null);
      }
    },
  };
}
export type SessionStateStore = ReturnType<typeof createSessionStateStore>;
