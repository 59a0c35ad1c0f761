import type {
  ConnectorLatencyResponse,
  MessageStatusResponse,
  OutboundStatusResponse,
  RelayLatencyResponse,
} from "@clawdentity/protocol";
import type { Command } from "commander";
import { CliError, EXIT_FATAL, EXIT_USER_ERROR } from "../cli-error";
import type { CliIo } from "../cli-io";
import { toCliError } from "../to-cli-error";
import {
  formatHopReferences,
  formatTimeline,
  mergeTrace,
  toConnectorEvents,
  toHopReferences,
  toProxyEvents,
} from "../trace";
import { type CommandContext, type RunState, toAction } from "./command-context";
import { parseMessageId } from "./option-parsers";

type Side<T> = { body: T; error: null } | { body: null; error: CliError };

async function readSide<T>(call: () => Promise<T>): Promise<Side<T>> {
  try {
    return { body: await call(), error: null };
  } catch (error) {
    return { body: null, error: toCliError(error) };
  }
}

const toErrorView = (error: CliError | null) =>
  error
    ? { code: error.code, message: error.message, ...(error.requestId ? { requestId: error.requestId } : {}) }
    : null;

/** Both sides of a sent message: the sender connector's outbox row and the relay's timeline. */
async function readTrace(context: CommandContext, messageId: string) {
  const agent = context.agent();
  const [connector, proxy, connectorLatency, proxyLatency] = await Promise.all([
    readSide<OutboundStatusResponse>(() => context.connector(agent).getOutbound(messageId)),
    readSide<MessageStatusResponse>(() => context.proxy(agent).getMessage(messageId)),
    readSide<ConnectorLatencyResponse>(() => context.connector(agent).latency()),
    readSide<RelayLatencyResponse>(() => context.proxy(agent).latency()),
  ]);
  if (connector.error && proxy.error) {
    const fatal = connector.error.exitCode === EXIT_FATAL && proxy.error.exitCode === EXIT_FATAL;
    throw new CliError({
      code: "CLI_NOT_FOUND",
      message: `no trace of ${messageId} sent by ${agent.name}: connector ${connector.error.code} (${connector.error.message}); proxy ${proxy.error.code} (${proxy.error.message})`,
      exitCode: fatal ? EXIT_FATAL : EXIT_USER_ERROR,
      details: { connector: toErrorView(connector.error), proxy: toErrorView(proxy.error) },
    });
  }
  const merged = mergeTrace([
    ...(connector.body ? toConnectorEvents(connector.body) : []),
    ...(proxy.body ? toProxyEvents(proxy.body) : []),
  ]);
  // Without a reference a hop is still shown, as `no_reference`.
  const latencyReference = { connector: connectorLatency.body, proxy: proxyLatency.body };
  const local = connector.body;
  const relay = proxy.body;
  return {
    messageId,
    correlationId: local?.correlationId ?? relay?.correlationId ?? null,
    senderAgentDid: relay?.senderAgentDid ?? agent.identity.agentDid,
    recipientAgentDid: local?.toAgentDid ?? relay?.recipientAgentDid ?? null,
    priority: local?.priority ?? relay?.priority ?? null,
    status: local?.status ?? null,
    relayState: relay?.state ?? null,
    ...merged,
    hops: toHopReferences(merged.timeline, latencyReference),
    latencyReference,
    connector: local,
    proxy: relay,
    errors: { connector: toErrorView(connector.error), proxy: toErrorView(proxy.error) },
  };
}

/** `trace <messageId>`: one timeline across the sender's connector and the relay, with hop durations. */
export function registerTraceCommand(program: Command, io: CliIo, state: RunState): void {
  program
    .command("trace")
    .description(
      "timeline of a sent message across the connector and the proxy, each hop against that hop's current p50/p99",
    )
    .argument("<messageId>", "the messageId printed by send", parseMessageId)
    .action(
      toAction(io, state, async (context, { args }) => {
        const trace = await readTrace(context, args[0] ?? "");
        const missing = Object.entries(trace.errors)
          .filter(([, error]) => error !== null)
          .map(([side, error]) => `(${side} view missing: ${error?.code} ${error?.message})`);
        return {
          json: trace,
          text: [
            `message ${trace.messageId}  correlation ${trace.correlationId}  ${trace.priority}`,
            `${trace.senderAgentDid} -> ${trace.recipientAgentDid}`,
            `connector: ${trace.status ?? "-"}  relay: ${trace.relayState ?? "-"}  total ${trace.totalMs} ms`,
            ...(trace.proxy?.peerProxy
              ? [`forwarded to the recipient's proxy ${trace.proxy.peerProxy.origin} (peer_proxy)`]
              : []),
            ...formatTimeline(trace.timeline),
            ...(trace.hops.length > 0 ? ["", ...formatHopReferences(trace.hops)] : []),
            ...missing,
          ],
        };
      }),
    );
}
