/**
 * `pnpm bench`: the raw baseline and the real system in one run, the same load on both; prints
 * msg/s, p50/p99 latency, the ratios against the raw paths, and the billable operations per
 * delivered message with their monthly cost. Flags: --messages (1000), --concurrency (16),
 * --payload-bytes (250), --light (messages of the one-at-a-time run, 50; 0 skips it).
 */
import { cpus } from "node:os";
import { BEFORE_BATCHING } from "./before-figures";
import { measureCommitLatency } from "./commit-latency";
import { parseBenchOptions } from "./options";
import { meanRawFigures, runRawPaths } from "./raw-paths";
import { runRealPaths } from "./real-paths";
import { printAcceptRounds, printBillableOps, printCommitLatency, printCpu, printFaults, printPaths } from "./report";

const options = parseBenchOptions(process.argv.slice(2));
// Loopback only: no `Request.cf` download, no telemetry.
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
console.log(
  `clawdentity bench: ${options.messages} messages of ~${options.payloadBytes} bytes, ${options.concurrency} in flight; ${options.light} more one at a time`,
);
const rawBefore = await runRawPaths(options);
const real = await runRealPaths(options);
const rawAfter = await runRawPaths(options);
const raw = meanRawFigures(rawBefore, rawAfter);
printPaths(raw, real);
if (options.light > 0) printCommitLatency(await measureCommitLatency(options.light));
console.log(
  `(raw paths averaged over a run before and one after the real system: hop ${rawBefore.hop.perSecond.toFixed(0)} / ${rawAfter.hop.perSecond.toFixed(0)} msg/s, accept ${rawBefore.accept.perSecond.toFixed(0)} / ${rawAfter.accept.perSecond.toFixed(0)} msg/s)`,
);
printAcceptRounds(raw, real);
printCpu(cpus().length, raw, real);
printBillableOps(real.roundTripOps, options.messages, BEFORE_BATCHING);
printFaults(real.faults);
