import type { SqlRunner } from "../../storage";
import type { CircuitState } from "../policy/circuit-breaker";

const CIRCUIT_FAILURES = "circuit.failures";
const CIRCUIT_OPEN_UNTIL = "circuit.open_until_ms";

/**
 * Small scalar state of the session (the delivery circuit, metric flush bookkeeping), one row per
 * key. Every reschedule reads some of it, so each value is held in memory once read or written;
 * `forget` drops what is held when a transaction that wrote it rolled back.
 */
export function createSessionStateStore(db: SqlRunner) {
  const held = new Map<string, number | null>();
  const read = (key: string): number | null => {
    if (held.has(key)) return held.get(key) ?? null;
    const value =
      db.first<{ value: number | null }>("SELECT value FROM session_state WHERE key = ?", key)?.value ?? null;
    held.set(key, value);
    return value;
  };
  const write = (key: string, value: number | null) => {
    db.run(
      "INSERT INTO session_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      value,
    );
    held.set(key, value);
  };
  const readCircuit = (): CircuitState => ({
    consecutiveFailures: read(CIRCUIT_FAILURES) ?? 0,
    openUntilMs: read(CIRCUIT_OPEN_UNTIL),
  });
  return {
    read,
    write,
    forget(): void {
      held.clear();
    },
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
