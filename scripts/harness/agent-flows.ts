import type { AgentConfigFile, ConnectorTuning } from "../../packages/connector/src/index.ts";
import { readAgentConfig, writeAgentConfig } from "../../packages/connector/src/index.ts";
import type { OutboundStatusResponse, Priority } from "../../packages/protocol/src/index.ts";
import type { LocalStack } from "../local-stack/start-local-stack";
import { CliCommandError, type CliResult, type CliRunner } from "./cli-runner";

/** The steps every scenario starts with, each one CLI command (or two) as a user would type it. */

export async function initHome(cli: CliRunner, stack: Pick<LocalStack, "registryUrl" | "proxyUrl">) {
  return cli.ok<{ home: string; configPath: string }>(
    "init",
    "--registry-url",
    stack.registryUrl,
    "--proxy-url",
    stack.proxyUrl,
  );
}

export async function bootstrapAdmin(cli: CliRunner, bootstrapSecret: string) {
  return cli.ok<{ owner: { did: string; displayName: string; role: string } }>(
    "admin",
    "bootstrap",
    "--secret",
    bootstrapSecret,
    "--display-name",
    "Demo admin",
  );
}

/** `agent create`; `extraArgs` are more of its options (`--ttl-seconds 60`, a renewal policy). */
export async function createAgent(cli: CliRunner, name: string, webhookUrl: string, extraArgs: string[] = []) {
  return cli.ok<{ agent: { did: string; name: string; currentJti: string } }>(
    "agent",
    "create",
    name,
    "--webhook",
    webhookUrl,
    ...extraArgs,
  );
}

/** Rewrites the agent's config.json with the connector's own reader and writer (read at the next `connector start`). */
export function updateAgentConfig(
  home: string,
  agentName: string,
  change: (config: AgentConfigFile) => AgentConfigFile,
): void {
  writeAgentConfig({ home, agentName }, change(readAgentConfig({ home, agentName })));
}

/** Writes connector tuning overrides into the agent's config.json. */
export function setConnectorTuning(home: string, agentName: string, tuning: Partial<ConnectorTuning>): void {
  updateAgentConfig(home, agentName, (config) => ({ ...config, tuning: { ...config.tuning, ...tuning } }));
}

/** `pair start` as the initiator, `pair confirm` as the peer: mutual trust. */
export async function pairAgents(
  cli: CliRunner,
  initiator: string,
  peer: string,
  options: { rateLimitPerMinute?: number } = {},
) {
  const limit = options.rateLimitPerMinute ? ["--rate-limit-per-minute", String(options.rateLimitPerMinute)] : [];
  const { ticket } = await cli.ok<{ ticket: string }>("--agent", initiator, "pair", "start", ...limit);
  return cli.ok<{ peer: { agentDid: string } }>("--agent", peer, "pair", "confirm", ticket);
}

/** `status --wait`: until the agent's connector runs and its relay socket is connected. */
export async function waitUntilConnected(cli: CliRunner, agent: string, seconds = 30) {
  return cli.ok<{ connector: { status: { socket: { state: string } } } }>(
    "--agent",
    agent,
    "status",
    "--wait",
    String(seconds),
  );
}

/**
 * `status --json` as a view, whatever it finds: exit 0 (all up) and exit 3 (something down, e.g. a
 * revoked agent's socket) both print it.
 */
export async function readStatus<T = Record<string, unknown>>(cli: CliRunner, agent: string): Promise<T> {
  const result = await cli.run("--json", "--agent", agent, "status");
  if (result.exitCode !== 0 && result.exitCode !== 3) throw new CliCommandError(result);
  return result.json<T>();
}

export interface SendOptions {
  priority?: Priority;
  conversation?: string;
  replyTo?: string;
  idempotencyKey?: string;
}

export interface SentMessage {
  messageId: string;
  correlationId: string;
  status: "queued";
}

function toSendArgs(from: string, toDid: string, payload: unknown, options: SendOptions): string[] {
  return [
    "--agent",
    from,
    "send",
    "--to",
    toDid,
    JSON.stringify(payload),
    ...(options.priority ? ["--priority", options.priority] : []),
    ...(options.conversation ? ["--conversation", options.conversation] : []),
    ...(options.replyTo ? ["--reply-to", options.replyTo] : []),
    ...(options.idempotencyKey ? ["--idempotency-key", options.idempotencyKey] : []),
  ];
}

/** `send --to <did> '<json>'` through the agent's running connector. */
export async function sendMessage(
  cli: CliRunner,
  from: string,
  toDid: string,
  payload: unknown,
  options: SendOptions = {},
): Promise<SentMessage> {
  return cli.ok<SentMessage>(...toSendArgs(from, toDid, payload, options));
}

/**
 * `send --json ... --wait <s>`: the CLI polls the sender's connector until a receipt settles the
 * message. Exit 0 = delivered_to_webhook, exit 1 = dead-lettered or still pending; both are
 * answers a caller checks, so the result is returned, not thrown.
 */
export function sendAndWait(
  cli: CliRunner,
  from: string,
  toDid: string,
  payload: unknown,
  options: SendOptions & { waitSeconds?: number } = {},
): Promise<CliResult> {
  return cli.run("--json", ...toSendArgs(from, toDid, payload, options), "--wait", String(options.waitSeconds ?? 30));
}

/** The sender connector's view of one message (`GET /v1/outbound/:id` through the CLI's trace source). */
export async function readOutbound(cli: CliRunner, from: string, messageId: string) {
  const trace = await cli.ok<{ connector: OutboundStatusResponse | null }>("--agent", from, "trace", messageId);
  return trace.connector;
}
