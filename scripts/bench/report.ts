import type { BillableOps } from "../../packages/protocol/src/index.ts";
import type { PathFigures } from "./arrivals";
import { divideOps, PRICES_READ_ON, toBilledOps, toMonthlyCostUsd, totalOps } from "./billing";
import type { CommitLatency } from "./commit-latency";
import { type CpuPerMessage, LOAD_GENERATOR, RUNTIME, totalCpuMs } from "./cpu-time";
import type { RawFigures } from "./raw-paths";
import type { RealFigures } from "./real-paths";
import type { FaultCounts } from "./real-system";

const fixed = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : "—");

function pathLine(figures: PathFigures, ratio = ""): string {
  return [
    figures.label.padEnd(54),
    fixed(figures.perSecond).padStart(7),
    fixed(figures.p50Ms, 1).padStart(10),
    fixed(figures.p99Ms, 1).padStart(10),
    `  ${ratio}`,
  ].join("");
}

function ratio(figures: PathFigures, base: PathFigures, name: string, goal: number): string {
  return `${fixed(figures.perSecond / base.perSecond, 2)} × ${name} (goal ≥ ${goal})`;
}

export function printPaths(raw: RawFigures, real: RealFigures): void {
  console.log(`\n${"path".padEnd(54)}${"msg/s".padStart(7)}${"p50 ms".padStart(10)}${"p99 ms".padStart(10)}  ratio`);
  console.log(pathLine(raw.hop, "1"));
  console.log(pathLine(raw.accept));
  console.log(pathLine(real.rawAccept));
  console.log(pathLine(real.accept, ratio(real.accept, real.rawAccept, "raw accept in turns", 0.8)));
  console.log(pathLine(real.acceptBatched, ratio(real.acceptBatched, real.rawAccept, "raw accept in turns", 0.8)));
  console.log(pathLine(real.drain, ratio(real.drain, raw.hop, "raw hop", 0.6)));
  console.log(pathLine(real.toWebhook, `${fixed(real.toWebhook.perSecond / raw.hop.perSecond, 2)} × raw hop`));
  console.log(pathLine(real.roundTrip, ratio(real.roundTrip, raw.hop, "raw hop", 0.4)));
  if (raw.lightHop && real.lightToWebhook && real.lightRoundTrip) {
    console.log(pathLine(raw.lightHop));
    console.log(pathLine(real.lightToWebhook, "p50 goal ≤ 10 ms"));
    console.log(pathLine(real.lightRoundTrip, "p99 goal ≤ 1500 ms"));
  }
}

/**
 * Relay accept round by round against the raw accept round before it, and against the raw accept
 * measured before and after the real system (minutes apart, so the host's drift moves that one).
 */
export function printAcceptRounds(raw: RawFigures, real: RealFigures): void {
  const rounds = real.acceptRoundRatios.map((value) => fixed(value, 2)).join(", ");
  console.log(
    `relay accept ÷ raw accept by round: ${rounds}; against the raw accept before and after the real system: ${fixed(real.accept.perSecond / raw.accept.perSecond, 2)}`,
  );
  const perAccept = (count: number) => fixed(count / real.accept.messages, 2);
  console.log(
    `relay accept, per message (the proxy's count): Durable Object calls ${perAccept(real.acceptOps.durableObjectRpcCalls)}, SQLite rows written ${perAccept(real.acceptOps.sqlRowsWritten)}, read ${perAccept(real.acceptOps.sqlRowsRead)}`,
  );
}

const cpuLine = (label: string, cpu: CpuPerMessage) => {
  const parts = Object.entries(cpu.byProcess)
    .filter(([, ms]) => ms > 0)
    .sort(([a], [b]) => (a === LOAD_GENERATOR ? 1 : b === LOAD_GENERATOR ? -1 : a < b ? -1 : 1))
    .map(([process, ms]) => `${process} ${fixed(ms, 2)}`);
  return `  ${label.padEnd(18)}${parts.join(", ")}; total ${fixed(totalCpuMs(cpu), 2)} ms`;
};

/**
 * What one message costs in CPU on each path, by process: workerd, the connectors and the
 * benchmark's own clients and receivers all share this machine's cores, so a path whose messages
 * cost C ms of CPU in all runs at most cores × 1,000 / C messages a second here.
 */
export function printCpu(cores: number, raw: RawFigures, real: RealFigures): void {
  console.log(`
CPU per message by process, ms (${cores} cores shared by all of them):`);
  const paths: Array<[string, CpuPerMessage]> = [
    ["raw single hop", raw.hopCpu],
    ["raw accept", raw.acceptCpu],
    ["raw accept, turns", real.rawAcceptCpu],
    ["relay accept", real.acceptCpu],
    ["full round trip", real.roundTripCpu],
  ];
  for (const [label, cpu] of paths) console.log(cpuLine(label, cpu));
  const rawRuntime = real.rawAcceptCpu.byProcess[RUNTIME];
  const relayRuntime = real.acceptCpu.byProcess[RUNTIME];
  if (rawRuntime && relayRuntime) {
    console.log(`  workerd's CPU per accept, raw ÷ relay (in turns): ${fixed(rawRuntime / relayRuntime, 2)}`);
  }
  const ceiling = (cpu: CpuPerMessage) => fixed((cores * 1000) / totalCpuMs(cpu));
  console.log(
    `  all ${cores} cores busy: raw hop ≤ ${ceiling(raw.hopCpu)} msg/s, round trip ≤ ${ceiling(real.roundTripCpu)} msg/s`,
  );
}

/** The disk's part of the light path: each of its two durable steps waits for a commit like these. */
export function printCommitLatency(commits: CommitLatency): void {
  console.log(
    `an fsync'd commit on this disk, one at a time: p50 ${fixed(commits.p50Ms, 2)} ms, p99 ${fixed(commits.p99Ms, 2)} ms (${commits.samples} commits; the light path waits for two: the sender's outbox, the recipient's inbox)`,
  );
}

const OP_LINES: Array<[keyof BillableOps, string]> = [
  ["workerRequests", "Worker requests (HTTP, queue batches)"],
  ["durableObjectRpcCalls", "Durable Object RPC calls"],
  ["durableObjectAlarms", "Durable Object alarms"],
  ["webSocketMessagesIn", "WebSocket messages in (billed 20:1)"],
  ["webSocketMessagesOut", "WebSocket messages out (not billed)"],
  ["sqlRowsRead", "SQLite rows read"],
  ["sqlRowsWritten", "SQLite rows written"],
  ["queueMessagesSent", "queue messages sent"],
  ["queueMessagesConsumed", "queue messages consumed (read + delete)"],
];

/**
 * Per delivered message (one round trip): what the proxy counted, what Cloudflare bills for it,
 * and the monthly cost of a million messages; `before` is the same figure from before batching.
 */
export function printBillableOps(roundTripOps: BillableOps, messages: number, before?: BillableOps): void {
  const perMessage = divideOps(roundTripOps, messages);
  console.log(`\nbillable operations per delivered message (round trip), counted by the proxy:`);
  for (const [key, label] of OP_LINES) {
    const was = before ? `   before ${fixed(before[key], 2).padStart(8)}` : "";
    console.log(`  ${label.padEnd(42)}${fixed(perMessage[key], 2).padStart(8)}${was}`);
  }
  console.log("  D1 queries                                    0   (the proxy binds no D1)");
  const billed = toBilledOps(perMessage);
  const cost = toMonthlyCostUsd(billed);
  console.log(`billed operations per message: ${fixed(totalOps(billed), 1)}`);
  if (before) {
    const billedBefore = toBilledOps(before);
    const fewer = totalOps(billedBefore) / totalOps(billed);
    console.log(`  before batching: ${fixed(totalOps(billedBefore), 1)} (${fixed(fewer, 1)}× fewer now, goal ≥ 3×)`);
  }
  const kinds = Object.entries(cost.byKind).map(([kind, usd]) => `${kind} $${fixed(usd, 2)}`);
  console.log(
    `a million messages a month ≈ $${fixed(cost.total, 2)} (${kinds.join(", ")}; Cloudflare prices read ${PRICES_READ_ON}, allowances not deducted)`,
  );
  if (before) console.log(`  before batching ≈ $${fixed(toMonthlyCostUsd(toBilledOps(before)).total, 2)}`);
}

/**
 * The faults the processes counted from the round trips to the end of the light load: all zero in
 * a clean run; a slow one names its cause (a circuit that opened, refused calls, receipt events the
 * proxy published again because no confirmation came, which its sessions report up to 30 s late).
 */
export function printFaults(faults: FaultCounts): void {
  const entries = Object.entries(faults);
  const seen = entries.filter(([, count]) => count !== 0);
  console.log("");
  if (seen.length === 0) {
    console.log(`faults counted during the round trips and the light load: none (${entries.length} counters)`);
    return;
  }
  console.log("faults counted during the round trips and the light load:");
  for (const [name, count] of seen) console.log(`  ${name}: ${count}`);
}
