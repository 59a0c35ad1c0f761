import { spawnSync } from "node:child_process";

export interface StartupCase {
  name: string;
  command: string;
  args: string[];
}

export interface StartupFigure {
  name: string;
  medianMs: number;
  minMs: number;
  runs: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * Wall time from spawn to exit of each case, `runs` times, the cases interleaved so a busy moment
 * of the machine weighs on all of them alike; one unmeasured warm-up round first (disk cache).
 */
export function measureStartup(cases: readonly StartupCase[], runs = 15): StartupFigure[] {
  const times = new Map(cases.map((item) => [item.name, [] as number[]]));
  for (let round = -1; round < runs; round += 1) {
    for (const item of cases) {
      const started = process.hrtime.bigint();
      const result = spawnSync(item.command, item.args, { stdio: "ignore" });
      const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (result.status !== 0) throw new Error(`${item.name} exited ${result.status ?? result.signal}`);
      if (round >= 0) times.get(item.name)?.push(elapsedMs);
    }
  }
  return cases.map((item) => {
    const values = times.get(item.name) ?? [];
    return { name: item.name, medianMs: median(values), minMs: Math.min(...values), runs: values.length };
  });
}

export function formatStartupFigures(figures: readonly StartupFigure[]): string[] {
  const width = Math.max(...figures.map((figure) => figure.name.length));
  return figures.map(
    (figure) =>
      `${figure.name.padEnd(width)}  median ${figure.medianMs.toFixed(0).padStart(5)} ms  min ${figure.minMs.toFixed(0).padStart(5)} ms  (${figure.runs} runs)`,
  );
}
