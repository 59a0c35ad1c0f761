import {
  conversationIdSchema,
  correlationIdSchema,
  idempotencyKeySchema,
  type OutboundStatusResponse,
  outboundRequestSchema,
  PRIORITIES,
  type Priority,
} from "@clawdentity/protocol";
import { type Command, Option } from "commander";
import { CliError } from "../cli-error";
import type { CliIo } from "../cli-io";
import type { ConnectorClient } from "../http";
import { type CommandResult, createProgress, type Progress } from "../output";
import { type RunState, toAction } from "./command-context";
import { parseAgentDid, parseWaitSeconds, toSchemaParser } from "./option-parsers";
import { sleep } from "./sleep";

interface SendOptions {
  to: string;
  text?: string;
  priority?: Priority;
  conversation?: string;
  correlationId?: string;
  idempotencyKey?: string;
  replyTo?: string;
  wait?: number;
}

const FINAL_STATES = new Set(["delivered_to_webhook", "dead_lettered"]);

/** The payload is a JSON document given as an argument, or `--text` wrapped as `{"text": ...}`. */
export function toPayload(payloadArg: string | undefined, text: string | undefined): unknown {
  if ((payloadArg === undefined) === (text === undefined)) {
    throw new CliError({
      code: "CLI_INVALID_ARGUMENT",
      message: "give either a JSON payload argument or --text <text>",
    });
  }
  if (text !== undefined) return { text };
  try {
    return JSON.parse(payloadArg ?? "");
  } catch {
    throw new CliError({
      code: "CLI_INVALID_ARGUMENT",
      message: "the payload is not JSON (quote it, e.g. '{\"hello\":1}', or use --text)",
    });
  }
}

async function waitForOutcome(
  client: ConnectorClient,
  messageId: string,
  waitSeconds: number,
  pollMs: number,
  progress: Progress,
): Promise<CommandResult> {
  const deadline = Date.now() + waitSeconds * 1000;
  let status: OutboundStatusResponse = await client.getOutbound(messageId);
  try {
    while (!FINAL_STATES.has(status.status) && Date.now() < deadline) {
      progress.update(`${messageId} ${status.status}, waiting for its receipt`);
      await sleep(pollMs);
      status = await client.getOutbound(messageId);
    }
  } finally {
    progress.done();
  }
  const reason = status.deadLetterReason ?? status.receipts.find((receipt) => receipt.reason)?.reason;
  const failure =
    status.status === "dead_lettered"
      ? new CliError({
          code: "CLI_MESSAGE_DEAD_LETTERED",
          message: `message ${messageId} was dead-lettered: ${reason}`,
        })
      : status.status === "delivered_to_webhook"
        ? undefined
        : new CliError({
            code: "CLI_WAIT_TIMEOUT",
            message: `message ${messageId} is still ${status.status} after ${waitSeconds} s`,
          });
  return {
    json: status,
    text: `${status.status} ${messageId} (attempts ${status.attempts}${reason ? `, reason ${reason}` : ""})`,
    ...(failure ? { failure } : {}),
  };
}

/** `send`: hands a message to the agent's running connector (`POST /v1/outbound`). */
export function registerSendCommand(program: Command, io: CliIo, state: RunState): void {
  program
    .command("send")
    .description("send a message through the agent's connector; prints the messageId")
    .argument("[payload]", "the payload as a JSON document")
    .requiredOption("--to <did>", "the recipient agent's DID", parseAgentDid)
    .option("--text <text>", 'send {"text": <text>} as the payload')
    .addOption(new Option("--priority <priority>", "delivery priority (default: normal)").choices(PRIORITIES))
    .option("--conversation <id>", "conversation id: order is kept within it", toSchemaParser(conversationIdSchema))
    .option("--correlation-id <id>", "correlation id (default: the messageId)", toSchemaParser(correlationIdSchema))
    .option("--idempotency-key <key>", "the same key returns the same messageId", toSchemaParser(idempotencyKeySchema))
    .option("--reply-to <messageId>", "the message this one answers")
    .option(
      "--wait <seconds>",
      "wait for the delivery receipt; exit 1 if dead-lettered or still pending",
      parseWaitSeconds,
    )
    .action(
      toAction<SendOptions>(io, state, async (context, { args, opts }) => {
        const request = outboundRequestSchema.parse({
          toAgentDid: opts.to,
          payload: toPayload(args[0], opts.text),
          ...(opts.priority ? { priority: opts.priority } : {}),
          ...(opts.conversation ? { conversationId: opts.conversation } : {}),
          ...(opts.correlationId ? { correlationId: opts.correlationId } : {}),
          ...(opts.replyTo ? { replyTo: opts.replyTo } : {}),
        });
        const client = context.connector(context.agent());
        const accepted = await client.send(request, opts.idempotencyKey);
        if (opts.wait !== undefined) {
          const progress = createProgress(context.io, context.json);
          return waitForOutcome(client, accepted.messageId, opts.wait, context.io.pollIntervalMs, progress);
        }
        return { json: accepted, text: `queued ${accepted.messageId} (correlation ${accepted.correlationId})` };
      }),
    );
}
