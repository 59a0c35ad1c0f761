import { existsSync, rmSync } from "node:fs";
import { z } from "zod";
import type { AgentHomeRef } from "./agent-home";
import { resolveAgentHomePaths } from "./paths";
import { isProcessAlive } from "./process-lock";
import { readJson, writeFileAtomic } from "./secure-file";

/** `runtime.json`: where a running connector listens, so the CLI can find it (the port may be OS-chosen). */
export const agentRuntimeSchema = z.object({
  pid: z.number().int().positive(),
  agentDid: z.string(),
  localApiUrl: z.url(),
  startedAt: z.iso.datetime({ offset: true }),
});
export type AgentRuntime = z.infer<typeof agentRuntimeSchema>;

export function writeAgentRuntime(ref: AgentHomeRef, runtime: AgentRuntime): void {
  writeFileAtomic(resolveAgentHomePaths(ref).runtimePath, `${JSON.stringify(runtime, null, 2)}\n`, 0o600);
}

/** The running connector of an agent, or null when none is (a file left by a killed process is ignored). */
export function readAgentRuntime(ref: AgentHomeRef): AgentRuntime | null {
  const path = resolveAgentHomePaths(ref).runtimePath;
  if (!existsSync(path)) return null;
  const parsed = agentRuntimeSchema.safeParse(readJson(path));
  if (!parsed.success || !isProcessAlive(parsed.data.pid)) return null;
  return parsed.data;
}

export function removeAgentRuntime(ref: AgentHomeRef): void {
  rmSync(resolveAgentHomePaths(ref).runtimePath, { force: true });
}
