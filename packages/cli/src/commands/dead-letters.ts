import { type DeadLetterQuery, readAgentRuntime, readDeadLetters, resolveAgentHomePaths } from "@clawdentity/connector";
import {
  type ConnectorDeadLetter,
  DEAD_LETTER_DIRECTIONS,
  type DeadLetterDirection,
  olderThanSchema,
  type RelayDeadLetter,
} from "@clawdentity/protocol";
import { type Command, Option } from "commander";
import { CliError } from "../cli-error";
import type { CliIo } from "../cli-io";
import type { LocalAgent } from "../config";
import { type CommandResult, formatTable } from "../output";
import { type CommandContext, type RunState, toAction } from "./command-context";
import { confirmDestructive } from "./confirm";
import { parseAgentDid, parseMessageId, toIntegerParser, toSchemaParser } from "./option-parsers";

interface DeadLetterOptions {
  relay?: boolean;
  direction?: DeadLetterDirection;
  olderThan?: string;
  peer?: string;
  limit?: number;
}

/** The largest page the connector answers; `show` looks a message up in it. */
const MAX_LIST = 1000;

const relayOption = () => new Option("--relay", "act on the dead letters the proxy's relay holds for this agent");
const directionOption = () =>
  new Option("--direction <direction>", "outbound (sent) or inbound (received)").choices(DEAD_LETTER_DIRECTIONS);
const olderThanOption = () =>
  new Option(
    "--older-than <age>",
    "only those dead-lettered before: a duration (15m, 6h, 7d) or an ISO time",
  ).argParser(toSchemaParser(olderThanSchema));
const peerOption = () => new Option("--peer <did>", "only those with this peer agent").argParser(parseAgentDid);

/** The relay API takes no direction or peer filter; refusing them beats silently ignoring them. */
function refuseRelayFilters(opts: DeadLetterOptions, allowed: (keyof DeadLetterOptions)[]): void {
  const given = (["direction", "peer", "limit", "olderThan"] as const).filter(
    (key) => opts[key] !== undefined && !allowed.includes(key),
  );
  if (given.length > 0) {
    throw new CliError({ code: "CLI_INVALID_ARGUMENT", message: `--relay does not take ${given.join(", ")}` });
  }
}

function toListLines(items: readonly (ConnectorDeadLetter | RelayDeadLetter)[]): string[] {
  if (items.length === 0) return ["no dead letters"];
  return formatTable(
    ["MESSAGE", "DIRECTION", "PEER", "PRIORITY", "REASON", "ATTEMPTS", "AT"],
    items.map((item) =>
      "direction" in item
        ? [
            item.messageId,
            item.direction,
            item.peerAgentDid,
            item.priority,
            item.reason,
            item.attempts,
            item.deadLetteredAt,
          ]
        : [
            item.messageId,
            "relay",
            item.senderAgentDid,
            item.priority,
            item.reason,
            item.attempts,
            item.deadLetteredAt,
          ],
    ),
  );
}

/** A stopped connector's dead letters, from its database (read-only); a note on stderr says so in text mode. */
function readStoppedConnectorDeadLetters(context: CommandContext, agent: LocalAgent, query: DeadLetterQuery) {
  const { databasePath } = resolveAgentHomePaths(agent.ref);
  if (!context.json) context.io.stderr(`connector of ${agent.name} is not running: read from ${databasePath}\n`);
  try {
    return readDeadLetters(databasePath, query);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CliError({ code: "CLI_DATABASE_UNREADABLE", message });
  }
}

async function listDeadLetters(context: CommandContext, opts: DeadLetterOptions) {
  if (opts.relay) refuseRelayFilters(opts, []);
  const agent = context.agent();
  if (opts.relay) return (await context.proxy(agent).listDeadLetters()).deadLetters;
  const query = { direction: opts.direction, olderThan: opts.olderThan, peerAgentDid: opts.peer, limit: opts.limit };
  // Listing needs no running connector: its database answers, read-only.
  if (!readAgentRuntime(agent.ref)) return readStoppedConnectorDeadLetters(context, agent, query);
  return (await context.connector(agent).listDeadLetters(query)).deadLetters;
}

async function showDeadLetter(
  context: CommandContext,
  messageId: string,
  opts: DeadLetterOptions,
): Promise<CommandResult> {
  const items = await listDeadLetters(context, { ...opts, ...(opts.relay ? {} : { limit: MAX_LIST }) });
  const found = items.find((item) => item.messageId === messageId);
  if (!found) {
    throw new CliError({
      code: "CLI_NOT_FOUND",
      message: `no dead letter ${messageId}${opts.relay ? " at the relay" : ""}`,
    });
  }
  return {
    json: { deadLetter: found },
    text: Object.entries(found).map(([key, value]) => `${key.padEnd(16)}${String(value)}`),
  };
}

/** `dead-letters list|show|retry|purge`: the connector's own (default) or the relay's (`--relay`). */
export function registerDeadLettersCommand(program: Command, io: CliIo, state: RunState): void {
  const deadLetters = program.command("dead-letters").description("inspect, retry and purge dead letters");

  deadLetters
    .command("list")
    .description("dead letters, newest first (read from the agent's database while its connector is stopped)")
    .addOption(relayOption())
    .addOption(directionOption())
    .addOption(olderThanOption())
    .addOption(peerOption())
    .option("--limit <n>", "at most this many, 1-1000 (default: 100)", toIntegerParser(1, MAX_LIST))
    .action(
      toAction<DeadLetterOptions>(io, state, async (context, { opts }) => {
        const items = await listDeadLetters(context, opts);
        return { json: { deadLetters: items }, text: toListLines(items) };
      }),
    );

  deadLetters
    .command("show")
    .description("one dead letter")
    .argument("<messageId>", "the dead-lettered message", parseMessageId)
    .addOption(relayOption())
    .addOption(directionOption())
    .action(
      toAction<DeadLetterOptions>(io, state, async (context, { args, opts }) =>
        showDeadLetter(context, args[0] ?? "", opts),
      ),
    );

  deadLetters
    .command("retry")
    .description("put a dead letter back in its queue with a fresh attempt budget")
    .argument("<messageId>", "the dead-lettered message", parseMessageId)
    .addOption(relayOption())
    .addOption(directionOption())
    .action(
      toAction<DeadLetterOptions>(io, state, async (context, { args, opts }) => {
        const messageId = args[0] ?? "";
        if (opts.relay) refuseRelayFilters(opts, []);
        const agent = context.agent();
        if (opts.relay) {
          const retried = await context.proxy(agent).retryDeadLetter(messageId);
          return { json: retried, text: `retried ${messageId} at the relay` };
        }
        const retried = await context.connector(agent).retryDeadLetter(messageId, opts.direction);
        return {
          json: retried,
          text: retried.retried.map((item) => `retried ${item.messageId} (${item.direction})`),
        };
      }),
    );

  deadLetters
    .command("purge")
    .description("delete dead letters (all of them unless filtered); asks first, or pass --yes")
    .addOption(relayOption())
    .addOption(directionOption())
    .addOption(olderThanOption())
    .addOption(peerOption())
    .option("-y, --yes", "do not ask (needed without a terminal)")
    .action(
      toAction<DeadLetterOptions & { yes?: boolean }>(io, state, async (context, { opts }) => {
        if (opts.relay) refuseRelayFilters(opts, ["olderThan"]);
        const agent = context.agent();
        const filters = [
          opts.direction,
          opts.olderThan && `older than ${opts.olderThan}`,
          opts.peer && `with ${opts.peer}`,
        ]
          .filter(Boolean)
          .join(", ");
        await confirmDestructive(
          context,
          opts.yes,
          `Delete ${filters ? `the dead letters (${filters})` : "all dead letters"} of ${agent.name}${opts.relay ? " at the relay" : ""}?`,
        );
        if (opts.relay) {
          const purged = await context.proxy(agent).purgeDeadLetters(opts.olderThan);
          return { json: purged, text: `purged at the relay: ${JSON.stringify(purged)}` };
        }
        const purged = await context.connector(agent).purgeDeadLetters({
          direction: opts.direction,
          olderThan: opts.olderThan,
          peerAgentDid: opts.peer,
        });
        return { json: purged, text: `purged ${purged.purged}` };
      }),
    );
}
