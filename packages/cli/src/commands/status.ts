import { readAgentRuntime } from "@clawdentity/connector";
import type { ConnectorStatusResponse, HealthResponse } from "@clawdentity/protocol";
import { decodeAitClaims } from "@clawdentity/sdk";
import type { Command } from "commander";
import { CliError, EXIT_DOWN } from "../cli-error";
import type { CliIo } from "../cli-io";
import { type LocalAgent, readCliConfig } from "../config";
import { createConnectorClient, createProxyHealthCheck, createRegistryClient } from "../http";
import { createProgress, createStyle } from "../output";
import { toCliError } from "../to-cli-error";
import { type CommandContext, type RunState, toAction } from "./command-context";
import { parseWaitSeconds } from "./option-parsers";
import { sleep } from "./sleep";
import { toDownList } from "./status-down";
import { toIdentityLine, toIdentityWarnings } from "./status-identity";

type Probe<T> = { ok: true; body: T } | { ok: false; error: { code: string; message: string } };

async function probe<T>(call: () => Promise<T>): Promise<Probe<T>> {
  try {
    return { ok: true, body: await call() };
  } catch (error) {
    const failure = toCliError(error);
    return { ok: false, error: { code: failure.code, message: failure.message } };
  }
}

function toServiceView(url: string, result: Probe<HealthResponse>) {
  return result.ok
    ? { url, reachable: true, health: result.body }
    : { url, reachable: result.error.code !== "CLI_UNREACHABLE", error: result.error };
}

/** The command's agent, or null when the home has none (or several and none chosen) and none was asked for. */
function resolveOptionalAgent(context: CommandContext): LocalAgent | null {
  try {
    return context.agent();
  } catch (error) {
    const explicit = context.agentFlag !== undefined || Boolean(context.io.env.CLAWDENTITY_AGENT?.trim());
    if (!explicit && error instanceof CliError && ["CLI_AGENT_NOT_FOUND", "CLI_AGENT_REQUIRED"].includes(error.code)) {
      return null;
    }
    throw error;
  }
}

/** The agent's connector: stopped, or running with its `GET /v1/status` answer (or why it did not answer). */
interface ConnectorView {
  running: boolean;
  pid?: number;
  localApiUrl?: string;
  startedAt?: string;
  status?: ConnectorStatusResponse;
  error?: { code: string; message: string };
}

async function readConnector(context: CommandContext, agent: LocalAgent): Promise<ConnectorView> {
  const runtime = readAgentRuntime(agent.ref);
  if (!runtime) return { running: false };
  const client = createConnectorClient({
    fetch: context.io.fetch,
    localApiUrl: runtime.localApiUrl,
    token: agent.config.localApiToken,
  });
  const status = await probe<ConnectorStatusResponse>(() => client.status());
  return {
    running: true,
    pid: runtime.pid,
    localApiUrl: runtime.localApiUrl,
    startedAt: runtime.startedAt,
    ...(status.ok ? { status: status.body } : { error: status.error }),
  };
}

async function readStatus(context: CommandContext) {
  const config = readCliConfig(context.home);
  const agent = resolveOptionalAgent(context);
  const proxyUrl = agent?.config.proxyUrl ?? config?.proxyUrl;
  const { fetch } = context.io;
  const [registry, proxy, connector] = await Promise.all([
    config ? probe(() => createRegistryClient({ fetch, registryUrl: config.registryUrl }).health()) : null,
    proxyUrl ? probe(createProxyHealthCheck({ fetch, proxyUrl })) : null,
    agent ? readConnector(context, agent) : null,
  ]);
  return {
    home: context.home,
    initialized: config !== null,
    registry: config && registry ? toServiceView(config.registryUrl, registry) : null,
    proxy: proxyUrl && proxy ? toServiceView(proxyUrl, proxy) : null,
    agent: agent ? { name: agent.name, agentDid: agent.identity.agentDid, aitExpiresAt: toAitExpiry(agent) } : null,
    connector,
  };
}

/** The expiry of the AIT on disk (what a stopped connector would start with). */
function toAitExpiry(agent: LocalAgent): string | null {
  const claims = decodeAitClaims(agent.identity.ait);
  return claims ? new Date(claims.exp * 1000).toISOString() : null;
}

/** Identity warnings of the selected agent (status text and JSON). */
export function toStatusWarnings(view: StatusView, nowMs = Date.now()): string[] {
  if (!view.agent) return [];
  return toIdentityWarnings(
    { identity: view.connector?.status?.identity, aitExpiresAt: view.agent.aitExpiresAt },
    nowMs,
  );
}
export type StatusView = Awaited<ReturnType<typeof readStatus>>;

/** A rough age for a person: seconds, minutes, hours or days. */
function toAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 120 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

/** Relayed messages without an outcome yet; absent from a connector that predates the field. */
function toOutcomeLine(awaiting: ConnectorStatusResponse["queues"]["outbox"]["awaitingOutcome"], nowMs: number) {
  if (!awaiting) return [];
  const oldest = awaiting.oldestRelayedAt
    ? `, oldest relayed ${awaiting.oldestRelayedAt} (${toAge(nowMs - Date.parse(awaiting.oldestRelayedAt))} ago)`
    : "";
  return [`  outcomes awaiting ${awaiting.count}${oldest}`];
}

/** The text form of `status`; `nowMs` dates the age of the oldest message awaiting an outcome. */
export function toStatusLines(view: StatusView, nowMs = Date.now()): string[] {
  const service = (name: string, item: StatusView["registry"]) =>
    item
      ? `${name.padEnd(10)}${item.url}  ${item.health ? `${item.health.status}${item.health.ready ? "" : " (not ready)"}` : `unreachable: ${item.error?.message}`}`
      : `${name.padEnd(10)}not configured`;
  const lines = [`home      ${view.home}${view.initialized ? "" : " (not initialized: run clawdentity init)"}`];
  lines.push(service("registry", view.registry), service("proxy", view.proxy));
  if (!view.agent) return [...lines, "agent     none selected (agent create <name>, or pass --agent <name>)"];
  lines.push(`agent     ${view.agent.name} ${view.agent.agentDid}`);
  lines.push(...toStatusWarnings(view, nowMs).map((warning) => `  ⚠ ${warning}`));
  const connector = view.connector;
  if (!connector?.running) return [...lines, "connector stopped"];
  if (!connector.status)
    return [...lines, `connector pid ${connector.pid}, not answering: ${connector.error?.message}`];
  const { socket, queues, circuits, identity } = connector.status;
  return [
    ...lines,
    `connector pid ${connector.pid} at ${connector.localApiUrl}; socket ${socket.state}${socket.lastHeartbeatRttMs === undefined ? "" : ` (rtt ${socket.lastHeartbeatRttMs} ms)`}`,
    ...(identity ? [toIdentityLine(identity, nowMs)] : []),
    `  outbox   queued ${queues.outbox.queued}, relayed ${queues.outbox.relayed}, dead ${queues.outbox.deadLettered}`,
    ...toOutcomeLine(queues.outbox.awaitingOutcome, nowMs),
    `  inbox    pending ${queues.inbox.pending}, delivered ${queues.inbox.delivered}, dead ${queues.inbox.deadLettered}`,
    `  circuits proxy ${circuits.proxy.state}, webhook ${circuits.webhook.state}`,
  ];
}

/** `status`: registry and proxy health, the agent's connector and its relay socket. */
export function registerStatusCommand(program: Command, io: CliIo, state: RunState): void {
  program
    .command("status")
    .description(
      "health of registry and proxy, and the agent's connector (GET /v1/status of its local API); exit 3 when something is down",
    )
    .option(
      "--wait <seconds>",
      "wait until nothing is down (the agent's connector running and connected); exit 1 if something still is",
      parseWaitSeconds,
    )
    .action(
      toAction<{ wait?: number }>(io, state, async (context, { opts }) => {
        let view = await readStatus(context);
        let down = toDownList(view);
        if (opts.wait !== undefined) {
          const deadline = Date.now() + opts.wait * 1000;
          const progress = createProgress(context.io, context.json);
          while (down.length > 0 && Date.now() < deadline) {
            progress.update(`waiting: ${down.join(", ")}`);
            await sleep(context.io.pollIntervalMs);
            view = await readStatus(context);
            down = toDownList(view);
          }
          progress.done();
        }
        const failure =
          down.length === 0
            ? undefined
            : opts.wait !== undefined
              ? new CliError({
                  code: "CLI_WAIT_TIMEOUT",
                  message: `still down after ${opts.wait} s: ${down.join("; ")}`,
                })
              : new CliError({ code: "CLI_DOWN", message: down.join("; "), exitCode: EXIT_DOWN });
        const style = createStyle(context.io, "stdout");
        const summary = down.length === 0 ? style.ok("✓ all up") : style.error(`✗ down: ${down.join("; ")}`);
        const json = { ...view, down, warnings: toStatusWarnings(view) };
        return { json, text: [...toStatusLines(view), summary], ...(failure ? { failure } : {}) };
      }),
    );
}
