import type { SqlRunner } from "./sql";

/**
 * A value read from storage, held in memory until `forget`: for a query every call runs (the next
 * due time) whose answer changes only when the store's own writes change it. The store forgets it
 * on each such write, and the session when a transaction rolls back.
 */
export function createHeldValue<T>(read: () => T) {
  let held: { value: T } | undefined;
  return {
    get(): T {
      held ??= { value: read() };
      return held.value;
    },
    forget(): void {
      held = undefined;
    },
    /** Moves a held value as a write just moved what it was read from; nothing when none is held. */
    adjust(change: (value: T) => T): void {
      if (held) held = { value: change(held.value) };
    },
  };
}

/** The same runner, calling `forget` before every statement: for a store's writes. */
export function forgettingRunner(db: SqlRunner, forget: () => void): SqlRunner {
  return {
    all(query, ...bindings) {
      forget();
      return db.all(query, ...bindings);
    },
    first(query, ...bindings) {
      forget();
      return db.first(query, ...bindings);
    },
    run(query, ...bindings) {
      forget();
      db.run(query, ...bindings);
    },
  };
}
