import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { AgentHomeError, agentHomeNameSchema, readSecretJson, writeFileAtomic } from "@clawdentity/connector";
import { humanDidSchema, personalAccessTokenValueSchema } from "@clawdentity/protocol";
import { z } from "zod";
import { CliError } from "../cli-error";

export const DEFAULT_REGISTRY_URL = "http://127.0.0.1:8788";
export const DEFAULT_PROXY_URL = "http://127.0.0.1:8787";
export const CLI_CONFIG_FILE = "config.json";

const httpUrlSchema = z.url({ protocol: /^https?$/, message: "must be an http(s) URL" });

/** `<home>/config.json`: where the registry and proxy are, and the owner's token (hence 0600). */
export const cliConfigSchema = z.strictObject({
  version: z.literal(1),
  registryUrl: httpUrlSchema,
  proxyUrl: httpUrlSchema,
  /** The owner's personal access token, saved by `admin bootstrap` / `invite redeem`. */
  token: personalAccessTokenValueSchema.optional(),
  ownerDid: humanDidSchema.optional(),
  /** Set by `agent use`; the agent commands act as when `--agent` is not given. */
  defaultAgent: agentHomeNameSchema.optional(),
});
export type CliConfig = z.infer<typeof cliConfigSchema>;

export function toCliConfigPath(home: string): string {
  return join(home, CLI_CONFIG_FILE);
}

/** The config of `home`, or null before `clawdentity init`. */
export function readCliConfig(home: string): CliConfig | null {
  const path = toCliConfigPath(home);
  if (!existsSync(path)) return null;
  let raw: unknown;
  try {
    raw = readSecretJson(path);
  } catch (error) {
    if (error instanceof AgentHomeError) throw new CliError({ code: "CLI_CONFIG_INVALID", message: error.message });
    throw error;
  }
  const parsed = cliConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new CliError({ code: "CLI_CONFIG_INVALID", message: `${path}: ${problems}` });
  }
  return parsed.data;
}

export function requireCliConfig(home: string): CliConfig {
  const config = readCliConfig(home);
  if (!config) {
    throw new CliError({
      code: "CLI_NOT_INITIALIZED",
      message: `no ${toCliConfigPath(home)}; run clawdentity init --registry-url <url> --proxy-url <url>`,
    });
  }
  return config;
}

export function writeCliConfig(home: string, config: CliConfig): string {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const path = toCliConfigPath(home);
  writeFileAtomic(path, `${JSON.stringify(cliConfigSchema.parse(config), null, 2)}\n`, 0o600);
  return path;
}

/** Reads, changes and writes the config in one step; the caller's change must keep it valid. */
export function updateCliConfig(home: string, change: (config: CliConfig) => CliConfig): CliConfig {
  const next = change(requireCliConfig(home));
  writeCliConfig(home, next);
  return next;
}

/** The owner token: `CLAWDENTITY_TOKEN` wins over the saved one, so scripts can act as another owner. */
export function requireOwnerToken(config: CliConfig, env: Record<string, string | undefined>): string {
  const token = env.CLAWDENTITY_TOKEN?.trim() || config.token;
  if (!token) {
    throw new CliError({
      code: "CLI_TOKEN_REQUIRED",
      message: "no owner token; run clawdentity admin bootstrap or clawdentity invite redeem <code> first",
    });
  }
  return token;
}

/** Saves the token of a new owner session (bootstrap, invite redemption) as the one this home acts with. */
export function saveOwnerSession(home: string, session: { secret: string; owner: { did: string } }): string {
  updateCliConfig(home, (config) => ({ ...config, token: session.secret, ownerDid: session.owner.did }));
  return toCliConfigPath(home);
}
