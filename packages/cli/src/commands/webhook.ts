import { verifyWebhook } from "@clawdentity/sdk";
import type { Command } from "commander";
import { CliError } from "../cli-error";
import type { CliIo } from "../cli-io";
import type { LocalAgent } from "../config";
import { createStyle, writeJsonLine } from "../output";
import { createWebhookListener, formatArrival, type WebhookArrival } from "../webhook-listener";
import { type CommandContext, type RunState, toAction } from "./command-context";
import { toIntegerParser } from "./option-parsers";

interface ListenOptions {
  verify: boolean;
  port?: number;
  host: string;
  status: number;
  count?: number;
}

/** The agent whose runtime this plays (`--agent`, `agent use`, the only one), or null when there is none. */
function resolveOptionalAgent(context: CommandContext): LocalAgent | null {
  try {
    return context.agent();
  } catch (error) {
    if (error instanceof CliError && (error.code.startsWith("CLI_AGENT_") || error.code === "CLI_NOT_INITIALIZED")) {
      return null;
    }
    throw error;
  }
}

/** Where to listen: `--port`, else the port of the agent's own webhook URL, else 8080 (`agent create`'s default). */
function resolvePort(agent: LocalAgent | null, port: number | undefined): number {
  if (port !== undefined) return port;
  if (!agent) return 8080;
  const url = new URL(agent.config.deliveryWebhookUrl);
  return Number(url.port || (url.protocol === "https:" ? 443 : 80));
}

/** Checks each call with the agent's signing secret, as a runtime should; nothing to check without one. */
function toVerifier(secret: string | undefined) {
  if (!secret) return undefined;
  return (headers: Record<string, string | string[] | undefined>, body: string) =>
    verifyWebhook({ secret, headers, body }).then(
      () => null,
      (error: Error) => error.message,
    );
}

/** `webhook listen`: an agent runtime's webhook for trying Clawdentity by hand; prints what arrives. */
export function registerWebhookCommand(program: Command, io: CliIo, state: RunState): void {
  const webhook = program.command("webhook").description("a runtime webhook for trying Clawdentity by hand");

  webhook
    .command("listen")
    .description(
      "listen for the connector's webhook calls (deliveries, receipts, notices), answer them, and print each one until SIGINT/SIGTERM",
    )
    .option(
      "--port <port>",
      "port to listen on (default: the port of the agent's webhook URL, else 8080)",
      toIntegerParser(0, 65_535),
    )
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option(
      "--status <code>",
      "HTTP status to answer with (a 5xx or 4xx makes the connector retry or dead-letter)",
      toIntegerParser(200, 599),
      204,
    )
    .option("--count <n>", "stop after this many webhook calls", toIntegerParser(1, 1_000_000))
    .option("--no-verify", "accept calls without checking their signature against the agent's secret")
    .action(
      toAction<ListenOptions>(io, state, async (context, { opts }) => {
        const style = createStyle(context.io, "stdout");
        const warn = createStyle(context.io, "stderr").warn;
        let received = 0;
        let reachedCount: (reason: string) => void = () => {};
        const countReached = new Promise<string>((resolve) => {
          reachedCount = resolve;
        });
        const onArrival = (arrival: WebhookArrival) => {
          received += 1;
          if (context.json) writeJsonLine(context.io, { event: "received", path: arrival.path, body: arrival.body });
          else context.io.stdout(`${formatArrival(arrival, style)}\n`);
          if (opts.count !== undefined && received >= opts.count) reachedCount(`count ${opts.count}`);
        };
        const agent = resolveOptionalAgent(context);
        const verify = opts.verify ? toVerifier(agent?.config.webhook?.secret) : undefined;
        const listener = await createWebhookListener({
          host: opts.host,
          port: resolvePort(agent, opts.port),
          answerStatus: opts.status,
          ...(verify ? { verify } : {}),
          onArrival,
          onRefused: (reason) => context.io.stderr(`${warn("refused")} a request: ${reason}\n`),
        }).catch((error: unknown) => {
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== "EADDRINUSE" && code !== "EACCES") throw error;
          throw new CliError({ code: "CLI_INVALID_ARGUMENT", message: (error as Error).message });
        });
        const verifying = verify ? `${agent?.name}'s signing secret` : null;
        if (context.json) {
          writeJsonLine(context.io, { event: "listening", url: listener.url, answerStatus: opts.status, verifying });
        } else {
          context.io.stdout(
            `listening on ${listener.url} (any path), answering ${opts.status}; ${verifying ? `verifying signatures with ${verifying}` : "not verifying signatures"}\n`,
          );
        }

        const reason = await Promise.race([context.io.waitForStop(), countReached]);
        await listener.close();
        return {
          json: { event: "stopped", received, reason },
          text: `stopped after ${received} webhook call${received === 1 ? "" : "s"} (${reason})`,
          compact: true,
        };
      }),
    );
}
