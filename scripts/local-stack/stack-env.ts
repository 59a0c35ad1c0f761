/** `pnpm start` settings from the environment, parsed once; a bad value stops the start with its name. */
export interface StackEnv {
  registryPort: number;
  proxyPort: number;
  stateDir: string | undefined;
}

function parsePort(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`${name} must be a TCP port (1-65535), got ${JSON.stringify(value)}`);
  }
  return port;
}

export function parseStackEnv(env: Record<string, string | undefined>): StackEnv {
  return {
    registryPort: parsePort("CLAWDENTITY_REGISTRY_PORT", env.CLAWDENTITY_REGISTRY_PORT, 8788),
    proxyPort: parsePort("CLAWDENTITY_PROXY_PORT", env.CLAWDENTITY_PROXY_PORT, 8787),
    stateDir: env.CLAWDENTITY_STATE_DIR || undefined,
  };
}
