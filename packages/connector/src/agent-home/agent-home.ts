import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import {
  type AgentIdentity,
  agentIdentitySchema,
  type ConnectorConfig,
  type ConnectorTuning,
  connectorTuningOverridesSchema,
  localApiConfigSchema,
  parseConnectorConfig,
  webhookHeadersSchema,
  webhookSecretSchema,
} from "../config";
import { type AgentHomePaths, agentHomeNameSchema, resolveAgentHomePaths, resolveClawdentityHome } from "./paths";
import { AgentHomeError, readSecretJson, writeFileAtomic } from "./secure-file";

const SECRET_MODE = 0o600;
const DIR_MODE = 0o700;

/** `config.json` of an agent home. It holds the local API token, so it is written 0600 like identity.json. */
export const agentConfigFileSchema = z.strictObject({
  version: z.literal(1),
  proxyUrl: z.url({ protocol: /^https?$/ }),
  registryUrl: z.url({ protocol: /^https?$/ }).optional(),
  deliveryWebhookUrl: z.url({ protocol: /^https?$/ }),
  /** The rest of the delivery target: extra headers and the signing secret (secrets, hence 0600). */
  webhook: z
    .strictObject({ headers: webhookHeadersSchema.optional(), secret: webhookSecretSchema.optional() })
    .optional(),
  localApi: localApiConfigSchema.omit({ token: true }).strict().default({ host: "127.0.0.1", port: 0 }),
  localApiToken: localApiConfigSchema.shape.token,
  /** Overrides of `ConnectorTuning`; unknown keys are refused so a typo cannot pass silently. */
  tuning: connectorTuningOverridesSchema.optional(),
});
export type AgentConfigFile = z.infer<typeof agentConfigFileSchema>;
export type AgentConfigFileInput = z.input<typeof agentConfigFileSchema>;

export interface AgentHomeRef {
  /** Root directory; defaults to `$CLAWDENTITY_HOME` or `~/.clawdentity`. */
  home?: string;
  agentName: string;
}

export interface CreateAgentHomeOptions extends AgentHomeRef {
  identity: AgentIdentity;
  proxyUrl: string;
  registryUrl?: string;
  deliveryWebhookUrl: string;
  webhook?: AgentConfigFileInput["webhook"];
  localApi?: { host?: "127.0.0.1" | "::1"; port?: number };
  /** Generated (32 random bytes, base64url) when omitted. */
  localApiToken?: string;
  tuning?: Partial<ConnectorTuning>;
  /** Replace an existing identity; refused by default so an agent key is never lost by accident. */
  overwrite?: boolean;
}

export function createLocalApiToken(): string {
  return randomBytes(32).toString("base64url");
}

function ensureAgentDir(paths: AgentHomePaths): void {
  mkdirSync(paths.dir, { recursive: true, mode: DIR_MODE });
  chmodSync(paths.dir, DIR_MODE);
}

/** Creates `agents/<name>/` with identity.json and config.json (both 0600); the database is created on first start. */
export function createAgentHome(options: CreateAgentHomeOptions): { paths: AgentHomePaths; config: AgentConfigFile } {
  const paths = resolveAgentHomePaths(options);
  if (!options.overwrite && existsSync(paths.identityPath)) {
    throw new AgentHomeError(`agent ${paths.agentName} already exists at ${paths.dir}`);
  }
  const config = agentConfigFileSchema.parse({
    version: 1,
    proxyUrl: options.proxyUrl,
    registryUrl: options.registryUrl,
    deliveryWebhookUrl: options.deliveryWebhookUrl,
    webhook: options.webhook,
    localApi: { host: options.localApi?.host ?? "127.0.0.1", port: options.localApi?.port ?? 0 },
    localApiToken: options.localApiToken ?? createLocalApiToken(),
    tuning: options.tuning,
  });
  ensureAgentDir(paths);
  writeAgentIdentity(options, options.identity);
  writeAgentConfig(options, config);
  return { paths, config };
}

/** Writes an identity file atomically, 0600: a crash leaves the old identity or the new one, never half. */
export function writeIdentityFile(path: string, identity: AgentIdentity): void {
  writeFileAtomic(path, `${JSON.stringify(agentIdentitySchema.parse(identity), null, 2)}\n`, SECRET_MODE);
}

export function readIdentityFile(path: string): AgentIdentity {
  const parsed = agentIdentitySchema.safeParse(readSecretJson(path));
  if (!parsed.success) throw new AgentHomeError(`${path}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export function writeAgentIdentity(ref: AgentHomeRef, identity: AgentIdentity): void {
  const paths = resolveAgentHomePaths(ref);
  ensureAgentDir(paths);
  writeIdentityFile(paths.identityPath, identity);
}

export function readAgentIdentity(ref: AgentHomeRef): AgentIdentity {
  return readIdentityFile(resolveAgentHomePaths(ref).identityPath);
}

export function writeAgentConfig(ref: AgentHomeRef, config: AgentConfigFileInput): void {
  const paths = resolveAgentHomePaths(ref);
  ensureAgentDir(paths);
  const parsed = agentConfigFileSchema.parse(config);
  writeFileAtomic(paths.configPath, `${JSON.stringify(parsed, null, 2)}\n`, SECRET_MODE);
}

export function readAgentConfig(ref: AgentHomeRef): AgentConfigFile {
  const paths = resolveAgentHomePaths(ref);
  const parsed = agentConfigFileSchema.safeParse(readSecretJson(paths.configPath));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new AgentHomeError(`${paths.configPath}: ${problems}`);
  }
  return parsed.data;
}

/** Reads identity.json and config.json into the one typed config `createConnector` runs with. */
export function loadConnectorConfig(ref: AgentHomeRef): ConnectorConfig {
  const paths = resolveAgentHomePaths(ref);
  const identity = readAgentIdentity(ref);
  const file = readAgentConfig(ref);
  return parseConnectorConfig({
    identity,
    proxyUrl: file.proxyUrl,
    registryUrl: file.registryUrl,
    deliveryWebhookUrl: file.deliveryWebhookUrl,
    identityPath: paths.identityPath,
    webhook: { headers: file.webhook?.headers ?? {}, secret: file.webhook?.secret },
    localApi: { ...file.localApi, token: file.localApiToken },
    databasePath: paths.databasePath,
    tuning: file.tuning ?? {},
  });
}

/** Names of the agents under `<home>/agents/` that have an identity. */
export function listAgentHomes(home: string = resolveClawdentityHome()): string[] {
  const agentsDir = join(home, "agents");
  if (!existsSync(agentsDir)) return [];
  return readdirSync(agentsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && agentHomeNameSchema.safeParse(entry.name).success)
    .filter((entry) => existsSync(join(agentsDir, entry.name, "identity.json")))
    .map((entry) => entry.name)
    .sort();
}
