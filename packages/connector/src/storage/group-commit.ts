import type { ConnectorStorage } from "./index";

type Waiting = { write: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void };

export interface GroupCommitOptions {
  /**
   * False for writes whose loss in a power cut only repeats idempotent work (a row settled after
   * its call): the group is committed to the WAL without waiting for the disk. True (the default)
   * for writes something outside is answered or acked on.
   */
  fsync?: boolean;
}

/**
 * Writes asked for in one turn of the event loop share one transaction, so requests that arrive
 * together cost one commit between them, not one each. Each write is answered only after that
 * commit; one that throws is rolled back and rejected alone (its own savepoint).
 */
export function createGroupCommit(
  storage: Pick<ConnectorStorage, "commitEach" | "commitEachWithoutFsync">,
  options: GroupCommitOptions = {},
) {
  const commit = (writes: Array<() => unknown>) =>
    options.fsync === false ? storage.commitEachWithoutFsync(writes) : storage.commitEach(writes);
  let waiting: Waiting[] = [];

  const flush = () => {
    const batch = waiting;
    waiting = [];
    let outcomes: ReturnType<typeof commit>;
    try {
      outcomes = commit(batch.map(({ write }) => write));
    } catch (error) {
      // Not even begun (the database closed, a pragma refused): every write of the group failed.
      for (const { reject } of batch) reject(error);
      return;
    }
    batch.forEach(({ resolve, reject }, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) resolve(outcome.value);
      else reject(outcome ? outcome.error : new Error("no outcome for the write"));
    });
  };

  return function commitSoon<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      waiting.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (waiting.length === 1) setImmediate(flush);
    });
  };
}
