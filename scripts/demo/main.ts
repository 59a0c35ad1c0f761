import { createDemoContext } from "./demo-context";
import type { DemoStep } from "./demo-step";
import { federationSteps } from "./federation-steps";
import { messagingSteps } from "./messaging-steps";
import { createReporter } from "./reporter";
import { revocationStep } from "./revocation-step";
import { setupSteps } from "./setup-steps";
import { shutDown } from "./shutdown-step";

/**
 * `pnpm demo`: the whole system on this machine, start to finish — a fresh local stack, two agents,
 * messages both ways, receipts, a trace, a revocation — then everything shut down. Every step
 * checks what it claims; the exit code is 0 only if all of them did. `--proxies 2`: a conversation
 * across two proxy deployments instead (PROTOCOL.md §11).
 */
const federated = process.argv.includes("--proxies=2") || process.argv.join(" ").includes("--proxies 2");
const steps: DemoStep[] = federated ? federationSteps : [...setupSteps, ...messagingSteps, revocationStep];
const verbose = process.argv.includes("--verbose");
const reporter = createReporter({ totalSteps: steps.length + 1 });
const context = createDemoContext({ verbose, log: (line) => reporter.note(`      ${line}`) });

// Ctrl-C ends the process at once (Miniflare's exit hook stops workerd); nothing is left behind.
process.once("exit", () => context.abandon());
process.once("SIGINT", () => {
  reporter.note("\ninterrupted");
  process.exit(130);
});

const started = performance.now();
reporter.heading(
  federated
    ? "Clawdentity demo: two agents on two proxies, one registry — all local"
    : "Clawdentity demo: two agents, one registry, one relay — all local",
);
for (const step of steps) {
  const ok = await reporter.step(step.title, (detail) => step.run(context, detail));
  if (!ok && step.required) {
    reporter.note("      a required step failed: skipping to shutdown");
    break;
  }
}
// Read before the shutdown step disposes of the stack and the connectors.
let runtimeOutput: string[] = [];
const connectorProblems: string[] = [];
await reporter.step("Shut down: SIGTERM both connectors, stop workerd, remove the temporary state", (detail) => {
  runtimeOutput = context.stack?.recentRuntimeOutput() ?? [];
  for (const agent of Object.values(context.agents)) {
    for (const line of agent.connector?.logs ?? []) {
      if (line.level === "warn" || line.level === "error")
        connectorProblems.push(`${agent.name}: ${JSON.stringify(line)}`);
    }
  }
  return shutDown(context, detail);
});

const outcomes = reporter.outcomes();
const failed = outcomes.filter((outcome) => !outcome.ok);
if (failed.length > 0 && connectorProblems.length > 0) {
  reporter.note("\nConnector warnings and errors:");
  for (const line of connectorProblems.slice(-30)) reporter.note(`  ${line}`);
}
if (failed.length > 0 && runtimeOutput.length > 0) {
  reporter.note("\nLast lines workerd printed (registry and proxy console output):");
  for (const line of runtimeOutput) reporter.note(`  ${line}`);
}
const skipped = steps.length + 1 - outcomes.length;
const seconds = ((performance.now() - started) / 1000).toFixed(1);
if (failed.length === 0 && skipped === 0) {
  reporter.note(`\nAll ${outcomes.length} steps passed in ${seconds} s.`);
  process.exit(0);
}
reporter.note(
  `\n${failed.length} step(s) failed${skipped > 0 ? `, ${skipped} not run` : ""} (${seconds} s): ${failed
    .map((outcome) => outcome.title)
    .join("; ")}`,
);
process.exit(1);
