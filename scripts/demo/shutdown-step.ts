import { existsSync } from "node:fs";
import type { DemoContext } from "./demo-context";

/** Stops everything the demo started, checking each part stopped the way it should. */
export async function shutDown(context: DemoContext, detail: (line: string) => void): Promise<void> {
  const problems: string[] = [];
  for (const agent of Object.values(context.agents)) {
    const running = agent.connector;
    agent.connector = null;
    if (!running) continue;
    const exit = await running.stop();
    const stopped = exit.stdoutLines.some((line) => line.includes('"event":"stopped"'));
    if (exit.code !== 0 || !stopped) problems.push(`connector ${agent.name} exited ${exit.code ?? exit.signal}`);
    else detail(`connector ${agent.name}: SIGTERM → stopped cleanly (exit 0)`);
  }
  const stateDir = context.stack?.stateDir;
  await context.dispose();
  if (stateDir && existsSync(stateDir)) problems.push(`state folder ${stateDir} is still there`);
  if (existsSync(context.home)) problems.push(`home ${context.home} is still there`);
  detail("webhook receivers closed, workerd stopped, temporary state and home removed");
  if (problems.length > 0) throw new Error(problems.join("; "));
}
