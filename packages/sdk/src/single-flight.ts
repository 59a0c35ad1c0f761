/**
 * Wraps a loader so concurrent callers share one run. The slot is cleared in `.finally`
 * (always asynchronous), so a loader that throws synchronously cannot pin a rejected promise.
 */
export function createSingleFlight(load: () => Promise<void>): { run(): Promise<void>; isRunning(): boolean } {
  let inFlight: Promise<void> | null = null;
  return {
    run() {
      inFlight ??= load().finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
    isRunning: () => inFlight !== null,
  };
}
