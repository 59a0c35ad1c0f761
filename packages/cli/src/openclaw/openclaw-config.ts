import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import JSON5 from "json5";
import { CliError } from "../cli-error";
import { TRANSFORM_FILE } from "./transform-source";

export type OpenClawConfig = Record<string, unknown>;

/** OpenClaw's defaults where its config says nothing (docs: gateway port, hooks path). */
const DEFAULT_GATEWAY_PORT = 18789;
const DEFAULT_HOOKS_PATH = "/hooks";
/** Where this project's files live inside the gateway's hooks transforms directory. */
export const TRANSFORM_SUBDIR = "clawdentity";

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The gateway's config file (JSON5, as OpenClaw reads it). */
export function readOpenClawConfig(path: string): OpenClawConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new CliError({ code: "CLI_NOT_FOUND", message: `cannot read ${path}: ${(error as Error).message}` });
  }
  try {
    const parsed: unknown = JSON5.parse(text);
    if (!isRecord(parsed)) throw new Error("not an object");
    return parsed;
  } catch (error) {
    throw new CliError({
      code: "CLI_CONFIG_INVALID",
      message: `${path} is not an OpenClaw config: ${(error as Error).message}`,
    });
  }
}

export interface ClawdentityHookInput {
  configPath: string;
  agentName: string;
  /** The OpenClaw agent that takes the turns. */
  openclawAgentId: string;
  skillName: string;
  skillEnv: Record<string, string>;
  gatewayUrl?: string;
}

export interface ClawdentityHookPlan {
  config: OpenClawConfig;
  hooksToken: string;
  /** Where the connector delivers: `<gateway><hooks.path>/clawdentity/<agent>`. */
  hookUrl: string;
  /** The gateway's hooks transforms directory (OpenClaw resolves it inside `<config dir>/hooks/transforms`). */
  transformsDir: string;
}

/**
 * The OpenClaw config with this agent's hook wired in, leaving everything else as it was: hooks on
 * (keeping an existing token, path and allow-list, adding the agent to a restrictive list), one
 * mapping `clawdentity-<agent>` for `clawdentity/<agent>` run by the shipped transform with
 * `deliver: false` (no channel needed), and the skill's env under `skills.entries`.
 */
export function planClawdentityHook(current: OpenClawConfig, input: ClawdentityHookInput): ClawdentityHookPlan {
  const config = structuredClone(current);
  const hooks = isRecord(config.hooks) ? config.hooks : {};
  config.hooks = hooks;
  hooks.enabled = true;
  if (typeof hooks.token !== "string" || hooks.token.length === 0) hooks.token = randomBytes(32).toString("base64url");
  const hooksPath = typeof hooks.path === "string" && hooks.path.trim() ? hooks.path.trim() : DEFAULT_HOOKS_PATH;
  const allowed = hooks.allowedAgentIds;
  if (Array.isArray(allowed) && !allowed.includes("*") && !allowed.includes(input.openclawAgentId)) {
    allowed.push(input.openclawAgentId);
  }
  const id = `clawdentity-${input.agentName}`;
  const mapping = {
    id,
    match: { path: `${TRANSFORM_SUBDIR}/${input.agentName}` },
    action: "agent",
    agentId: input.openclawAgentId,
    name: "Clawdentity",
    // No channel is configured for these turns: announcing them would fail ("Channel is required").
    deliver: false,
    transform: { module: `${TRANSFORM_SUBDIR}/${TRANSFORM_FILE}` },
  };
  const mappings = Array.isArray(hooks.mappings) ? hooks.mappings : [];
  const index = mappings.findIndex((entry) => isRecord(entry) && entry.id === id);
  if (index >= 0) mappings[index] = mapping;
  else mappings.push(mapping);
  hooks.mappings = mappings;

  const skills = isRecord(config.skills) ? config.skills : {};
  config.skills = skills;
  const entries = isRecord(skills.entries) ? skills.entries : {};
  skills.entries = entries;
  const entry = isRecord(entries[input.skillName]) ? entries[input.skillName] : {};
  entries[input.skillName] = { ...(entry as object), enabled: true, env: input.skillEnv };

  const gateway = isRecord(config.gateway) ? config.gateway : {};
  const port = typeof gateway.port === "number" ? gateway.port : DEFAULT_GATEWAY_PORT;
  const gatewayUrl = (input.gatewayUrl ?? `http://127.0.0.1:${port}`).replace(/\/+$/, "");
  const base = join(dirname(resolve(input.configPath)), "hooks", "transforms");
  const transformsDir = typeof hooks.transformsDir === "string" ? resolve(base, hooks.transformsDir) : base;
  return {
    config,
    hooksToken: hooks.token as string,
    hookUrl: `${gatewayUrl}/${hooksPath.replace(/^\/+|\/+$/g, "")}/${TRANSFORM_SUBDIR}/${input.agentName}`,
    transformsDir,
  };
}
