import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** CPU time a path cost per message, by process: "workerd", "connector <agent>", "load generator". */
export interface CpuPerMessage {
  /** Milliseconds per message; the processes below this one only where Linux `/proc` can be read. */
  byProcess: Record<string, number>;
}

/** This process: the benchmark's clients, signing and webhook receivers. */
export const LOAD_GENERATOR = "load generator";
export const RUNTIME = "workerd";

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
  cpuMs: number;
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
      cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond,
    };
  } catch {
    return null;
  }
}

/** A process below this one by what it runs: workerd, or a connector (`--agent <name>`); null for others. */
function toProcessLabel(stat: ProcStat): string | null {
  if (stat.command === "workerd") return RUNTIME;
  try {
    const args = readFileSync(`/proc/${stat.pid}/cmdline`, "utf8").split("\0");
    const agent = args.indexOf("--agent");
    return agent >= 0 && args.includes("connector") ? `connector ${args[agent + 1]}` : null;
  } catch {
    return null;
  }
}

/** CPU milliseconds so far of this process and of the labelled processes below it (each label summed). */
function readCpuMs(): Map<string, number> {
  const { user, system } = process.cpuUsage();
  const totals = new Map<string, number>([[LOAD_GENERATOR, (user + system) / 1000]]);
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return totals;
  }
  const children = new Map<number, ProcStat[]>();
  for (const stat of pids.map(readProcStat)) {
    if (stat) children.set(stat.parent, [...(children.get(stat.parent) ?? []), stat]);
  }
  // A labelled process counts with everything below it (a connector's own children).
  const pending: Array<{ stat: ProcStat; label: string | null }> = (children.get(process.pid) ?? []).map((stat) => ({
    stat,
    label: null,
  }));
  for (let next = pending.pop(); next; next = pending.pop()) {
    const label = next.label ?? toProcessLabel(next.stat);
    if (label) totals.set(label, (totals.get(label) ?? 0) + next.stat.cpuMs);
    pending.push(...(children.get(next.stat.pid) ?? []).map((stat) => ({ stat, label })));
  }
  return totals;
}

/** Runs `work` (which handles `messages` messages) and returns the CPU it cost per message, by process. */
export async function measureCpuPerMessage(messages: number, work: () => Promise<unknown>): Promise<CpuPerMessage> {
  const before = readCpuMs();
  await work();
  const after = readCpuMs();
  const byProcess: Record<string, number> = {};
  for (const [label, ms] of after) byProcess[label] = (ms - (before.get(label) ?? 0)) / messages;
  return { byProcess };
}

/** The mean of measurements of one path, each weighing its messages (a process missing from one counts as 0 there). */
export function meanCpu(...parts: Array<{ cpu: CpuPerMessage; messages: number }>): CpuPerMessage {
  const messages = parts.reduce((sum, part) => sum + part.messages, 0);
  const byProcess: Record<string, number> = {};
  for (const { cpu, messages: count } of parts) {
    for (const [label, ms] of Object.entries(cpu.byProcess)) {
      byProcess[label] = (byProcess[label] ?? 0) + (ms * count) / messages;
    }
  }
  return { byProcess };
}

export const totalCpuMs = (cpu: CpuPerMessage): number => Object.values(cpu.byProcess).reduce((sum, ms) => sum + ms, 0);
