import type { SqlRunner } from "../../storage";

/**
 * The seqs of the messages in flight, held in memory: read once per wake from the in-flight
 * index, then moved by the message store's own writes (`add` when a message goes out, `remove`
 * when it leaves the state for any other, `clear` when the socket went away). Counting them is
 * asked on every push; a COUNT would read every in-flight row each time, which under load (a full
 * batch window) was most of the rows a message cost. `forget` drops it, after a rolled-back
 * transaction. Removing a seq that is not in flight is a no-op, so a write need not know the
 * state it moved the row from.
 */
export function createInFlightSet(db: SqlRunner) {
  let held: Set<number> | undefined;
  const seqs = () => {
    held ??= new Set(
      db.all<{ seq: number }>("SELECT seq FROM messages WHERE state = 'in_flight'").map((row) => row.seq),
    );
    return held;
  };
  return {
    add: (seq: number) => void seqs().add(seq),
    remove: (seq: number) => void held?.delete(seq),
    clear: () => {
      held = new Set();
    },
    size: () => seqs().size,
    forget: () => {
      held = undefined;
    },
  };
}
export type InFlightSet = ReturnType<typeof createInFlightSet>;
