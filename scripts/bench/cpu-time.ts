import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** CPU time spent while a path ran, per message: the runtime's and the load generator's apart. */
export interface CpuPerMessage {
  /** The workerd processes this process started (Linux `/proc`); null where that cannot be read. */
  runtimeMs: number | null;
  /** This process: the benchmark's clients, signing and receivers. */
  loadGeneratorMs: number;
}

const clockTicksPerSecond = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  pid: number;
  parent: number;
  command: string;
  cpuTicks: number;
}

function readProcStat(pid: string): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // `pid (comm) state ppid … utime stime …`: comm may hold spaces and parentheses.
    const close = text.lastIndexOf(")");
    const fields = text.slice(close + 2).split(" ");
    return {
      pid: Number(pid),
      parent: Number(fields[1]),
      command: text.slice(text.indexOf("(") + 1, close),
      cpuTicks: Number(fields[11]) + Number(fields[12]),
    };
  } catch {
    return null;
  }
}

/** CPU milliseconds of the workerd processes below this one, or null without `/proc`. */
function runtimeCpuMs(): number | null {
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  const stats = pids.map(readProcStat).filter((stat): stat is ProcStat => stat !== null);
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) children.set(stat.parent, [...(children.get(stat.parent) ?? []), stat]);
  let ticks = 0;
  const pending = [...(children.get(process.pid) ?? [])];
  for (let stat = pending.pop(); stat; stat = pending.pop()) {
    if (stat.command === "workerd") ticks += stat.cpuTicks;
    pending.push(...(children.get(stat.pid) ?? []));
  }
  return (ticks * 1000) / clockTicksPerSecond;
}

const ownCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** Runs `work` (which handles `messages` messages) and returns the CPU it cost per message. */
export async function measureCpuPerMessage(messages: number, work: () => Promise<unknown>): Promise<CpuPerMessage> {
  const runtimeBefore = runtimeCpuMs();
  const ownBefore = ownCpuMs();
  await work();
  const runtimeAfter = runtimeCpuMs();
  return {
    runtimeMs: runtimeBefore === null || runtimeAfter === null ? null : (runtimeAfter - runtimeBefore) / messages,
    loadGeneratorMs: (ownCpuMs() - ownBefore) / messages,
  };
}

export function meanCpu(a: CpuPerMessage, b: CpuPerMessage): CpuPerMessage {
  return {
    runtimeMs: a.runtimeMs === null || b.runtimeMs === null ? null : (a.runtimeMs + b.runtimeMs) / 2,
    loadGeneratorMs: (a.loadGeneratorMs + b.loadGeneratorMs) / 2,
  };
}
