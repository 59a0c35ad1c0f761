import {
  AgentHomeError,
  createConnector,
  loadConnectorConfig,
  readAgentRuntime,
  removeAgentRuntime,
  toWebhookTarget,
  watchWebhookTarget,
  writeAgentConfig,
  writeAgentRuntime,
} from "@clawdentity/connector";
import { type Command, Option } from "commander";
import { CliError } from "../cli-error";
import type { CliIo } from "../cli-io";
import { writeJsonLine } from "../output";
import { type RunState, toAction } from "./command-context";
import { registerConnectorDoctorCommand } from "./connector-doctor";
import { createConnectorLogger, LOG_FORMATS, type LogFormat } from "./connector-logger";
import { registerConnectorServiceCommand } from "./connector-service";
import { registerConnectorWebhookCommand } from "./connector-webhook";
import { parseHttpUrl, toIntegerParser } from "./option-parsers";

interface StartOptions {
  webhook?: string;
  port?: number;
  quiet?: boolean;
  verbose?: boolean;
  logFormat?: LogFormat;
}

/** Connector start failures the user can fix (port taken, another connector running) are not bugs. */
function toStartError(error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE" || code === "EACCES" || error instanceof AgentHomeError) {
    return new CliError({ code: "CLI_CONNECTOR_START_FAILED", message: (error as Error).message });
  }
  return error;
}

/** `connector start`: runs the agent's connector in this process, in the foreground, until SIGINT/SIGTERM. */
export function registerConnectorCommand(program: Command, io: CliIo, state: RunState): void {
  const connectorCommand = program.command("connector").description("the agent's connector daemon");

  connectorCommand
    .command("start")
    .description(
      "run the agent's connector in the foreground until SIGINT/SIGTERM (logs on stderr: text on a terminal, else JSON lines)",
    )
    .option("--webhook <url>", "runtime webhook to deliver to; saved into the agent's config.json", parseHttpUrl)
    .option("--port <port>", "local API port; saved into the agent's config.json (0 = any)", toIntegerParser(0, 65_535))
    .option("--quiet", "do not write the connector's log lines")
    .option("--verbose", "also log each message's steps (queued, relayed, stored, delivered, receipt)")
    .addOption(
      new Option("--log-format <format>", "log lines on stderr (default: text on a terminal, else json)").choices(
        LOG_FORMATS,
      ),
    )
    .action(
      toAction<StartOptions>(io, state, async (context, { opts }) => {
        const agent = context.agent();
        const running = readAgentRuntime(agent.ref);
        if (running) {
          throw new CliError({
            code: "CLI_CONNECTOR_ALREADY_RUNNING",
            message: `the connector of ${agent.name} already runs (pid ${running.pid}) at ${running.localApiUrl}`,
          });
        }
        if (opts.webhook !== undefined || opts.port !== undefined) {
          writeAgentConfig(agent.ref, {
            ...agent.config,
            ...(opts.webhook ? { deliveryWebhookUrl: opts.webhook } : {}),
            ...(opts.port === undefined ? {} : { localApi: { ...agent.config.localApi, port: opts.port } }),
          });
        }
        const config = loadConnectorConfig(agent.ref);
        const logger = createConnectorLogger(io, opts);
        // Node's own HTTP client unless this CLI was handed another fetch (an in-process test's).
        const fetch = io.fetch === globalThis.fetch ? {} : { fetch: io.fetch };
        const connector = createConnector(config, { logger, ...fetch });
        const started = await connector.start().catch((error: unknown) => {
          throw toStartError(error);
        });
        const startedAt = new Date().toISOString();
        writeAgentRuntime(agent.ref, {
          pid: process.pid,
          agentDid: config.identity.agentDid,
          localApiUrl: started.localApiUrl,
          startedAt,
        });
        const info = {
          agentName: agent.name,
          agentDid: config.identity.agentDid,
          localApiUrl: started.localApiUrl,
          proxyUrl: config.proxyUrl,
          deliveryWebhookUrl: config.deliveryWebhookUrl,
          pid: process.pid,
          startedAt,
        };
        if (context.json) writeJsonLine(io, { event: "started", ...info });
        else
          io.stdout(
            `connector ${agent.name} (${info.agentDid}) listening on ${info.localApiUrl}; delivering to ${info.deliveryWebhookUrl}\n`,
          );

        // `openclaw setup`, `connector webhook` or an edit by hand change the target without a restart.
        const stopWatching = watchWebhookTarget(agent.ref, {
          initial: toWebhookTarget(config),
          onChange: (target) => connector.setWebhookTarget(target),
          onError: (error) => logger.warn("config.json not reloaded", { error: (error as Error).message }),
        });
        const signal = await io.waitForStop();
        stopWatching();
        await connector.stop();
        removeAgentRuntime(agent.ref);
        // The start line was the first half of the output; the stop line completes it.
        return {
          json: { event: "stopped", agentName: agent.name, signal },
          text: `connector ${agent.name} stopped (${signal})`,
          compact: true,
        };
      }),
    );

  registerConnectorWebhookCommand(connectorCommand, io, state);
  registerConnectorServiceCommand(connectorCommand, io, state);
  registerConnectorDoctorCommand(connectorCommand, io, state);
}
