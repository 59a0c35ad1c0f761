import type { Clock } from "@clawdentity/sdk";

/** One unit of claimed work; it must settle its row itself (done, retry, or released). */
export type WorkerTask = (signal: AbortSignal) => Promise<void>;

export interface WorkerLoopOptions {
  name: string;
  clock: Clock;
  concurrency: number;
  /** Upper bound on a sleep, so a missed wake-up or a clock jump never stalls a queue for long. */
  maxIdleMs: number;
  /** Claims up to `limit` due rows (synchronously, in one statement) and returns their tasks. */
  claim(limit: number): WorkerTask[];
  /** The next time something may become claimable, or null when only a wake-up can change that. */
  nextWakeAt(): number | null;
  onError(error: unknown): void;
}

export interface WorkerLoop {
  start(): void;
  /** Re-scan now (new row, a task finished, a test moved the clock). */
  wake(): void;
  /** Stops claiming, aborts in-flight calls (their rows go back untouched) and waits for them. */
  stop(): Promise<void>;
  inFlight(): number;
}

/** A claim → run → sleep-until-due loop with bounded concurrency; the shape every queue worker shares. */
export function createWorkerLoop(options: WorkerLoopOptions): WorkerLoop {
  const { clock, concurrency, maxIdleMs } = options;
  const running = new Set<Promise<void>>();
  const abort = new AbortController();
  let stopped = true;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  let wakePending = false;

  const wake = () => {
    wakePending = true;
    wakeUp?.();
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (wakePending || stopped) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });

  const launch = (task: WorkerTask) => {
    const promise: Promise<void> = task(abort.signal)
      .catch(options.onError)
      .finally(() => {
        running.delete(promise);
        wake();
      });
    running.add(promise);
  };

  const run = async () => {
    while (!stopped) {
      wakePending = false;
      let started = 0;
      const free = concurrency - running.size;
      if (free > 0) {
        try {
          const tasks = options.claim(free);
          for (const task of tasks) launch(task);
          started = tasks.length;
        } catch (error) {
          options.onError(error);
        }
      }
      if (started > 0) {
        // Let the event loop breathe between claims when a backlog drains.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      const wakeAt = safeNextWakeAt(options);
      const now = clock.nowMs();
      await sleep(wakeAt === null || wakeAt <= now ? maxIdleMs : Math.min(wakeAt - now, maxIdleMs));
    }
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      loop = run();
    },
    wake,
    async stop() {
      stopped = true;
      wake();
      abort.abort();
      await loop;
      await Promise.allSettled([...running]);
    },
    inFlight: () => running.size,
  };
}

function safeNextWakeAt(options: WorkerLoopOptions): number | null {
  try {
    return options.nextWakeAt();
  } catch (error) {
    options.onError(error);
    return null;
  }
}
