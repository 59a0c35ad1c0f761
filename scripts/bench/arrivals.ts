import { performance } from "node:perf_hooks";
import { waitFor } from "../harness";

/** When each message was sent and when it arrived where a path ends, on one monotonic clock. */
export interface Arrivals {
  sent(id: string, atMs?: number): void;
  arrived(id: string, atMs?: number): void;
  /** Resolves once every sent message arrived; rejects naming how many are missing after `timeoutMs`. */
  waitForAll(what: string, timeoutMs: number): Promise<void>;
  latenciesMs(): number[];
  /** From the first send to the last arrival. */
  elapsedMs(): number;
  count(): number;
  ids(): string[];
  /** Restarts every message's clock at the first arrival (a backlog has no send time of its own). */
  restartAtFirstArrival(): void;
}

export function createArrivals(): Arrivals {
  const sentAt = new Map<string, number>();
  const arrivedAt = new Map<string, number>();
  return {
    sent(id, atMs = performance.now()) {
      sentAt.set(id, atMs);
    },
    arrived(id, atMs = performance.now()) {
      if (!arrivedAt.has(id)) arrivedAt.set(id, atMs);
    },
    async waitForAll(what, timeoutMs) {
      await waitFor(
        `${what} (${[...sentAt.keys()].filter((id) => !arrivedAt.has(id)).length} of ${sentAt.size} missing)`,
        () => [...sentAt.keys()].every((id) => arrivedAt.has(id)),
        { timeoutMs, intervalMs: 20 },
      );
    },
    latenciesMs() {
      return [...sentAt].map(([id, at]) => (arrivedAt.get(id) ?? Number.NaN) - at).filter(Number.isFinite);
    },
    elapsedMs() {
      const first = Math.min(...sentAt.values());
      const last = Math.max(...[...sentAt.keys()].map((id) => arrivedAt.get(id) ?? Number.NaN));
      return last - first;
    },
    count: () => sentAt.size,
    ids: () => [...sentAt.keys()],
    restartAtFirstArrival() {
      const first = Math.min(...[...sentAt.keys()].map((id) => arrivedAt.get(id) ?? Number.POSITIVE_INFINITY));
      for (const id of sentAt.keys()) sentAt.set(id, first);
    },
  };
}

export interface PathFigures {
  label: string;
  messages: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** Nearest-rank percentile of already sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

export function toPathFigures(label: string, arrivals: Arrivals): PathFigures {
  return toRoundsFigures(label, [arrivals]);
}

/** One path measured in rounds taken in turn with another: rate over the rounds' own time, percentiles over all. */
export function toRoundsFigures(label: string, rounds: readonly Arrivals[]): PathFigures {
  const sorted = rounds.flatMap((round) => round.latenciesMs()).sort((a, b) => a - b);
  const elapsedMs = rounds.reduce((sum, round) => sum + round.elapsedMs(), 0);
  return {
    label,
    messages: sorted.length,
    perSecond: (sorted.length / elapsedMs) * 1000,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
  };
}
