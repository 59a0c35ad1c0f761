import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { type AgentConfigFile, connectorTuningSchema, writeAgentConfig, writeFileAtomic } from "@clawdentity/connector";
import { createWebhookSecret } from "@clawdentity/sdk";
import type { LocalAgent } from "../config";
import { planClawdentityHook, readOpenClawConfig, TRANSFORM_SUBDIR } from "./openclaw-config";
import { type SkillPeer, toSkillEnvNames, toSkillMarkdown, toSkillName } from "./skill";
import { readTransformSource, TRANSFORM_FILE } from "./transform-source";

/** OpenClaw admits a hook run within 15 s and may take longer to read a body: give each call 30 s. */
const OPENCLAW_WEBHOOK_TIMEOUT_MS = 30_000;

export interface OpenClawSetupInput {
  agent: LocalAgent;
  configPath: string;
  openclawAgentId: string;
  gatewayUrl?: string;
  /** Managed skills directory; default `<config dir>/skills` (OpenClaw's `<state dir>/skills` when the config sits there). */
  skillsDir?: string;
  peers: SkillPeer[];
}

export interface OpenClawSetupResult {
  agentName: string;
  openclawConfig: string;
  openclawAgentId: string;
  hookUrl: string;
  skill: string;
  localApiUrl: string;
  /** False when a second run found everything already in place. */
  changed: boolean;
  files: Array<{ path: string; changed: boolean }>;
  /** The connector must restart to listen on the port the skill uses. */
  restartConnector: boolean;
}

/** Writes `content` only when it differs (so a second run changes no file, not even its time). */
function writeIfChanged(path: string, content: string, mode: number): boolean {
  if (existsSync(path) && readFileSync(path, "utf8") === content) {
    if ((statSync(path).mode & 0o777) !== mode) chmodSync(path, mode);
    return false;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, content, mode);
  return true;
}

function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** The agent's delivery target at the hook, with the gateway's token, a signing secret and 30 s. */
function toAgentConfig(config: AgentConfigFile, hookUrl: string, hooksToken: string, port: number): AgentConfigFile {
  const tuning = { ...config.tuning };
  const timeoutMs = tuning.webhookTimeoutMs ?? connectorTuningSchema.shape.webhookTimeoutMs.parse(undefined);
  if (timeoutMs < OPENCLAW_WEBHOOK_TIMEOUT_MS) tuning.webhookTimeoutMs = OPENCLAW_WEBHOOK_TIMEOUT_MS;
  const leaseMs = tuning.leaseMs ?? connectorTuningSchema.shape.leaseMs.parse(undefined);
  const longest = tuning.webhookTimeoutMs ?? timeoutMs;
  if (leaseMs <= longest) tuning.leaseMs = longest + 30_000;
  return {
    ...config,
    deliveryWebhookUrl: hookUrl,
    webhook: {
      ...config.webhook,
      headers: { ...config.webhook?.headers, authorization: `Bearer ${hooksToken}` },
      secret: config.webhook?.secret ?? createWebhookSecret(),
    },
    localApi: { ...config.localApi, port },
    tuning,
  };
}

/**
 * Wires one agent into an OpenClaw gateway: the hook mapping and token in the gateway's config,
 * the shipped transform and the agent's verification file in its transforms directory, a skill to
 * send through the connector's local API, and the agent's delivery target at the hook. Idempotent:
 * a second run with nothing new writes nothing.
 */
export async function setupOpenClaw(input: OpenClawSetupInput): Promise<OpenClawSetupResult> {
  const { agent } = input;
  const configPath = resolve(input.configPath);
  const current = readOpenClawConfig(configPath);
  const port = agent.config.localApi.port !== 0 ? agent.config.localApi.port : await findFreePort();
  const localApiUrl = `http://${agent.config.localApi.host === "::1" ? "[::1]" : "127.0.0.1"}:${port}`;
  const env = toSkillEnvNames(agent.name);
  const skillName = toSkillName(agent.name);
  const plan = planClawdentityHook(current, {
    configPath,
    agentName: agent.name,
    openclawAgentId: input.openclawAgentId,
    skillName,
    skillEnv: { [env.url]: localApiUrl, [env.token]: agent.config.localApiToken },
    ...(input.gatewayUrl ? { gatewayUrl: input.gatewayUrl } : {}),
  });
  const agentConfig = toAgentConfig(agent.config, plan.hookUrl, plan.hooksToken, port);
  const secret = agentConfig.webhook?.secret as string;
  const peers = [...input.peers].sort((a, b) => a.did.localeCompare(b.did));
  const transformDir = join(plan.transformsDir, TRANSFORM_SUBDIR);
  const skillPath = join(input.skillsDir ?? join(dirname(configPath), "skills"), skillName, "SKILL.md");
  const agentFile = {
    agentName: agent.name,
    agentDid: agent.identity.agentDid,
    secret,
    skill: skillName,
    peers: Object.fromEntries(peers.filter((peer) => peer.name).map((peer) => [peer.did, peer.name])),
  };

  const files: OpenClawSetupResult["files"] = [];
  const write = (path: string, content: string, mode: number) =>
    files.push({ path, changed: writeIfChanged(path, content, mode) });
  // The agent's file holds its secret: the directory and the file are for the gateway's user only.
  mkdirSync(join(transformDir, "agents"), { recursive: true, mode: 0o700 });
  write(join(transformDir, TRANSFORM_FILE), readTransformSource(), 0o644);
  write(join(transformDir, "agents", `${agent.name}.json`), `${JSON.stringify(agentFile, null, 2)}\n`, 0o600);
  write(skillPath, toSkillMarkdown({ agentName: agent.name, agentDid: agent.identity.agentDid, peers }), 0o644);
  // Rewritten only when something in it changes; OpenClaw reads JSON5, so JSON is fine (comments are not kept).
  const configChanged = !isDeepStrictEqual(plan.config, current);
  if (configChanged)
    writeFileAtomic(configPath, `${JSON.stringify(plan.config, null, 2)}\n`, statSync(configPath).mode & 0o777);
  files.push({ path: configPath, changed: configChanged });
  const agentChanged = !isDeepStrictEqual(agentConfig, agent.config);
  if (agentChanged) writeAgentConfig(agent.ref, agentConfig);
  files.push({ path: join(agent.dir, "config.json"), changed: agentChanged });

  return {
    agentName: agent.name,
    openclawConfig: configPath,
    openclawAgentId: input.openclawAgentId,
    hookUrl: plan.hookUrl,
    skill: skillPath,
    localApiUrl,
    changed: files.some((file) => file.changed),
    files,
    restartConnector: agent.config.localApi.port !== port,
  };
}
