/**
 * What the stack prints once its D1 migrations are applied. Both Workers answer `/health` as soon
 * as workerd listens, before every migration has run, so a harness waits for this line too.
 */
export const STACK_READY_LINE = "[stack] ready";

/** `pnpm start` settings from the environment, parsed once; a bad value stops the start with its name. */
export interface StackEnv {
  registryPort: number;
  proxyPort: number;
  /** `CLAWDENTITY_PROXY_B_PORT`: the second proxy's port with `--proxies 2`. */
  secondProxyPort: number;
  stateDir: string | undefined;
  /** `CLAWDENTITY_CRON_INTERVAL_MS`: how often the registry's cron runs; unset = the stack's default. */
  cronIntervalMs: number | undefined;
  /** `CLAWDENTITY_PROXY_VARS`: a JSON object of extra proxy Worker vars, e.g. `{"RELAY_RETRY_BASE_MS":"200"}`. */
  proxyVars: Record<string, string>;
}

function parsePort(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`${name} must be a TCP port (1-65535), got ${JSON.stringify(value)}`);
  }
  return port;
}

function parseInterval(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 1)
    throw new Error(`${name} must be a positive number of ms, got ${JSON.stringify(value)}`);
  return ms;
}

function parseVars(name: string, value: string | undefined): Record<string, string> {
  if (value === undefined || value === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error(`${name} must be a JSON object, got ${JSON.stringify(value)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${name} must be a JSON object of var names to values`);
  }
  return Object.fromEntries(
    Object.entries(parsed).map(([key, entry]) => {
      if (typeof entry !== "string" && typeof entry !== "number") {
        throw new Error(`${name}: ${key} must be a string or a number`);
      }
      return [key, String(entry)];
    }),
  );
}

export function parseStackEnv(env: Record<string, string | undefined>): StackEnv {
  return {
    registryPort: parsePort("CLAWDENTITY_REGISTRY_PORT", env.CLAWDENTITY_REGISTRY_PORT, 8788),
    proxyPort: parsePort("CLAWDENTITY_PROXY_PORT", env.CLAWDENTITY_PROXY_PORT, 8787),
    secondProxyPort: parsePort("CLAWDENTITY_PROXY_B_PORT", env.CLAWDENTITY_PROXY_B_PORT, 8789),
    stateDir: env.CLAWDENTITY_STATE_DIR || undefined,
    cronIntervalMs: parseInterval("CLAWDENTITY_CRON_INTERVAL_MS", env.CLAWDENTITY_CRON_INTERVAL_MS),
    proxyVars: parseVars("CLAWDENTITY_PROXY_VARS", env.CLAWDENTITY_PROXY_VARS),
  };
}
