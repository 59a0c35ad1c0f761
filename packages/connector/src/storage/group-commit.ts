import type { CommitOutcome, ConnectorStorage } from "./index";

/** What starts the tasks a worker claimed inside a transaction, told whether it committed. */
export type ClaimedStart = (committed: boolean) => void;

/**
 * `commit` of `writes` with `claimWithin` (a worker's claim) run last in the same transaction, so
 * the leases it takes commit with the rows the writes stored; its tasks start once the transaction
 * is over. One outcome per write, in order.
 */
export function commitThenClaim<T>(
  commit: (writes: Array<() => unknown>) => Array<CommitOutcome<unknown>>,
  writes: ReadonlyArray<() => T>,
  claimWithin: () => ClaimedStart | undefined,
): Array<CommitOutcome<T>> {
  let start: ClaimedStart | undefined;
  let outcomes: Array<CommitOutcome<unknown>>;
  try {
    outcomes = commit([
      ...writes,
      () => {
        start = claimWithin();
      },
    ]);
  } catch (error) {
    start?.(false);
    throw error;
  }
  // The claim's own outcome says whether the transaction it ran in committed.
  start?.(outcomes[writes.length]?.ok === true);
  return outcomes.slice(0, writes.length) as Array<CommitOutcome<T>>;
}

type Waiting = { write: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void };

export interface GroupCommitOptions {
  /**
   * False for writes whose loss in a power cut only repeats idempotent work (a row settled after
   * its call): the group is committed to the WAL without waiting for the disk. True (the default)
   * for writes something outside is answered or acked on.
   */
  fsync?: boolean;
  /**
   * Run inside each group's transaction after its writes (a worker's `claimWithin`): what it
   * returns is called once the transaction is over, with whether it committed.
   */
  claimWithin?: () => ClaimedStart;
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
    const writes = batch.map(({ write }) => write);
    const claim = options.claimWithin;
    let outcomes: Array<CommitOutcome<unknown>>;
    try {
      outcomes = claim ? commitThenClaim(commit, writes, claim) : commit(writes);
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
