import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

/** A local handle for an agent, used as a directory name: no separators, no leading dot, no spaces. */
export const agentHomeNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "agent name must be 1-64 of A-Z a-z 0-9 . _ - and not start with '.'");

export interface AgentHomePaths {
  home: string;
  agentName: string;
  dir: string;
  identityPath: string;
  configPath: string;
  databasePath: string;
  runtimePath: string;
  /** Held by the running connector (`<databasePath>.lock`, see `acquireAgentLock`). */
  lockPath: string;
}

/** `$CLAWDENTITY_HOME`, else `~/.clawdentity`. */
export function resolveClawdentityHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.CLAWDENTITY_HOME?.trim();
  return fromEnv ? fromEnv : join(homedir(), ".clawdentity");
}

export function resolveAgentHomePaths(options: { home?: string; agentName: string }): AgentHomePaths {
  const home = options.home ?? resolveClawdentityHome();
  const agentName = agentHomeNameSchema.parse(options.agentName);
  const dir = join(home, "agents", agentName);
  return {
    home,
    agentName,
    dir,
    identityPath: join(dir, "identity.json"),
    configPath: join(dir, "config.json"),
    databasePath: join(dir, "connector.db"),
    runtimePath: join(dir, "runtime.json"),
    lockPath: join(dir, "connector.db.lock"),
  };
}
