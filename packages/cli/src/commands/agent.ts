import { createAgentHome, writeAgentIdentity } from "@clawdentity/connector";
import {
  AGENT_RENEWAL_DEFAULTS,
  AGENT_STATUSES,
  type AgentStatus,
  AIT_DEFAULT_TTL_DAYS,
  AIT_MAX_TTL_DAYS,
  AIT_MAX_TTL_SECONDS,
  AIT_MIN_TTL_DAYS,
  AIT_MIN_TTL_SECONDS,
  frameworkSchema,
  MAX_LIFETIME_DAYS_LIMIT,
} from "@clawdentity/protocol";
import { createWebhookSecret } from "@clawdentity/sdk";
import { type Command, Option } from "commander";
import { registerAgent, toLocalAgentView, toLocalNamesByDid } from "../agents";
import { CliError } from "../cli-error";
import type { CliIo } from "../cli-io";
import { hasLocalAgent, parseAgentName, updateCliConfig } from "../config";
import { formatTable } from "../output";
import { listLocalAgents } from "./agent-local-list";
import { requireLocalAgent, resolveAgentRef, toAgentLines } from "./agent-ref";
import { parseMaxLifetimeDays, registerAgentRenewalCommands } from "./agent-renewal";
import { type RunState, toAction } from "./command-context";
import { confirmDestructive } from "./confirm";
import { parseHttpUrl, toIntegerParser, toSchemaParser } from "./option-parsers";

/** Where the connector delivers until `--webhook` says otherwise (the agent runtime's local endpoint). */
export const DEFAULT_WEBHOOK_URL = "http://127.0.0.1:8080/clawdentity";
export const DEFAULT_FRAMEWORK = "generic";

const parseTtlDays = toIntegerParser(AIT_MIN_TTL_DAYS, AIT_MAX_TTL_DAYS);
const parseTtlSeconds = toIntegerParser(AIT_MIN_TTL_SECONDS, AIT_MAX_TTL_SECONDS);

interface CreateOptions {
  framework: string;
  ttlDays?: number;
  ttlSeconds?: number;
  selfRenewal: boolean;
  maxLifetimeDays?: number;
  webhook: string;
  localPort: number;
  proxyUrl?: string;
}

/** `agent create|list|show|revoke|reissue|use`, and `renew|policy` (agent-renewal.ts). */
export function registerAgentCommand(program: Command, io: CliIo, state: RunState): void {
  const agent = program
    .command("agent")
    .description("agent identities: register, list, inspect, revoke, reissue, renew");

  agent
    .command("create")
    .description("generate a key, register the agent and write its home (identity.json, config.json; 0600)")
    .argument("<name>", "local handle and registered name (1-64 of A-Z a-z 0-9 . _ -)")
    .option(
      "--framework <name>",
      "the agent's framework, as written into its AIT",
      toSchemaParser(frameworkSchema),
      DEFAULT_FRAMEWORK,
    )
    .option(
      "--ttl-days <days>",
      `AIT lifetime, ${AIT_MIN_TTL_DAYS}-${AIT_MAX_TTL_DAYS} (default: ${AIT_DEFAULT_TTL_DAYS})`,
      parseTtlDays,
    )
    .option(
      "--ttl-seconds <seconds>",
      `AIT lifetime in seconds, ${AIT_MIN_TTL_SECONDS}-${AIT_MAX_TTL_SECONDS} (instead of --ttl-days)`,
      parseTtlSeconds,
    )
    .option("--no-self-renewal", "the agent may not renew its own AIT (only `agent reissue` does)")
    .option(
      "--max-lifetime-days <days>",
      `how long the agent renews itself before its owner must reissue it, 1-${MAX_LIFETIME_DAYS_LIMIT} (default: ${AGENT_RENEWAL_DEFAULTS.maxLifetimeDays})`,
      parseMaxLifetimeDays,
    )
    .option("--webhook <url>", "the runtime webhook the connector delivers to", parseHttpUrl, DEFAULT_WEBHOOK_URL)
    .option(
      "--local-port <port>",
      "port of the connector's local API (0 = chosen at start)",
      toIntegerParser(0, 65_535),
      0,
    )
    .option("--proxy-url <url>", "the agent's proxy (default: the one in <home>/config.json)", parseHttpUrl)
    .action(
      toAction<CreateOptions>(io, state, async (context, { args, opts }) => {
        const name = parseAgentName(args[0] ?? "");
        if (hasLocalAgent(context.home, name)) {
          throw new CliError({ code: "CLI_AGENT_EXISTS", message: `agent ${name} already exists in ${context.home}` });
        }
        if (opts.ttlDays !== undefined && opts.ttlSeconds !== undefined) {
          throw new CliError({ code: "CLI_INVALID_ARGUMENT", message: "give --ttl-days or --ttl-seconds, not both" });
        }
        const config = context.cliConfig();
        const { keys, registered } = await registerAgent({
          registry: context.registry({ owner: true }),
          name,
          framework: opts.framework,
          options: {
            ...(opts.ttlDays ? { ttlDays: opts.ttlDays } : {}),
            ...(opts.ttlSeconds ? { ttlSeconds: opts.ttlSeconds } : {}),
            ...(opts.selfRenewal ? {} : { selfRenewal: false }),
            ...(opts.maxLifetimeDays ? { maxLifetimeDays: opts.maxLifetimeDays } : {}),
          },
        });
        const proxyUrl = opts.proxyUrl ?? config.proxyUrl;
        const { paths, config: agentConfig } = createAgentHome({
          home: context.home,
          agentName: name,
          identity: { agentDid: registered.agent.did, ait: registered.ait, seed: keys.seed },
          proxyUrl,
          registryUrl: config.registryUrl,
          deliveryWebhookUrl: opts.webhook,
          // Signs every webhook call (PROTOCOL.md §9.4); `connector webhook --show-secret` prints it.
          webhook: { secret: createWebhookSecret() },
          localApi: { port: opts.localPort },
        });
        return {
          json: {
            ...registered,
            local: {
              name,
              dir: paths.dir,
              proxyUrl,
              deliveryWebhookUrl: agentConfig.deliveryWebhookUrl,
              localApi: agentConfig.localApi,
            },
          },
          text: toAgentLines(registered.agent, [
            `home ${paths.dir}`,
            `AIT expires ${registered.agent.aitExpiresAt}; webhook ${agentConfig.deliveryWebhookUrl}`,
          ]),
        };
      }),
    );

  agent
    .command("list")
    .description("the owner's agents in the registry (newest first), or with --local the agent homes here")
    .option("--local", "list the agent homes on this machine instead (no registry call)")
    .addOption(new Option("--status <status>", "only active or revoked agents").choices(AGENT_STATUSES))
    .option("--limit <n>", "page size, 1-100 (default: 50)", toIntegerParser(1, 100))
    .option("--cursor <cursor>", "the nextCursor of the previous page")
    .action(
      toAction<{ local?: boolean; status?: AgentStatus; limit?: number; cursor?: string }>(
        io,
        state,
        async (context, { opts }) => {
          if (opts.local) return listLocalAgents(context);
          const page = await context.registry({ owner: true }).listAgents({
            limit: opts.limit,
            cursor: opts.cursor,
            status: opts.status,
          });
          const names = toLocalNamesByDid(context.home);
          const agents = page.agents.map((item) => ({ ...item, localName: names.get(item.did) ?? null }));
          return {
            json: { agents, nextCursor: page.nextCursor },
            text: [
              ...formatTable(
                ["NAME", "DID", "STATUS", "AIT EXPIRES", "LOCAL"],
                agents.map((item) => [item.name, item.did, item.status, item.aitExpiresAt, item.localName]),
              ),
              ...(page.nextCursor ? [`more: --cursor ${page.nextCursor}`] : []),
            ],
          };
        },
      ),
    );

  agent
    .command("show")
    .description("the registry's public view of an agent, plus its local home when it is on this machine")
    .argument("[agent]", "local name, DID or ULID (default: the current agent)")
    .action(
      toAction(io, state, async (context, { args }) => {
        const { id, local } = resolveAgentRef(context, args[0]);
        const { agent: resolved } = await context.registry().resolveAgent(id);
        const view = local ? toLocalAgentView(local) : null;
        return {
          json: { agent: resolved, local: view },
          text: toAgentLines(resolved, [
            `owner ${resolved.ownerDid}; framework ${resolved.framework}; created ${resolved.createdAt}`,
            ...(resolved.revokedAt ? [`revoked ${resolved.revokedAt}`] : []),
            ...(view
              ? [
                  `home ${view.dir}; proxy ${view.proxyUrl}; webhook ${view.deliveryWebhookUrl}`,
                  `AIT ${view.ait?.jti ?? "?"} expires ${view.ait?.expiresAt ?? "?"}`,
                  view.connector.running
                    ? `connector running (pid ${view.connector.pid}) at ${view.connector.localApiUrl}`
                    : "connector not running",
                ]
              : []),
          ]),
        };
      }),
    );

  agent
    .command("revoke")
    .description(
      "revoke an agent for good: the registry refuses it, the proxy refuses its requests within seconds; asks first, or pass --yes",
    )
    .argument("[agent]", "local name, DID or ULID (default: the current agent)")
    .option("-y, --yes", "do not ask (needed without a terminal)")
    .action(
      toAction<{ yes?: boolean }>(io, state, async (context, { args, opts }) => {
        const { id, local } = resolveAgentRef(context, args[0]);
        await confirmDestructive(
          context,
          opts.yes,
          `Revoke ${local ? `${local.name} (${id})` : id}? It cannot be undone.`,
        );
        const revoked = await context.registry({ owner: true }).revokeAgent(id);
        return { json: revoked, text: toAgentLines(revoked.agent, [`revoked at ${revoked.agent.revokedAt}`]) };
      }),
    );

  agent
    .command("reissue")
    .description(
      "issue a new AIT for a local agent (the previous one is revoked); a running connector takes it up from identity.json",
    )
    .argument("[agent]", "local name (default: the current agent)")
    .option(
      "--ttl-days <days>",
      `AIT lifetime, ${AIT_MIN_TTL_DAYS}-${AIT_MAX_TTL_DAYS} (default: unchanged)`,
      parseTtlDays,
    )
    .action(
      toAction<{ ttlDays?: number }>(io, state, async (context, { args, opts }) => {
        const local = requireLocalAgent(context, args[0], "to store a new AIT in");
        const reissued = await context
          .registry({ owner: true })
          .reissueAgent(local.identity.agentDid, opts.ttlDays ? { ttlDays: opts.ttlDays } : {});
        writeAgentIdentity(local.ref, { ...local.identity, ait: reissued.ait });
        return {
          json: { ...reissued, local: { name: local.name, dir: local.dir } },
          text: toAgentLines(reissued.agent, [
            `new AIT ${reissued.agent.currentJti} expires ${reissued.agent.aitExpiresAt}`,
            "a running connector takes it up within seconds, without a restart",
          ]),
        };
      }),
    );

  agent
    .command("use")
    .description("make a local agent the default for commands without --agent")
    .argument("<name>", "local agent name")
    .action(
      toAction(io, state, async (context, { args }) => {
        const name = parseAgentName(args[0] ?? "");
        if (!hasLocalAgent(context.home, name)) {
          throw new CliError({ code: "CLI_AGENT_NOT_FOUND", message: `no agent ${name} in ${context.home}` });
        }
        updateCliConfig(context.home, (config) => ({ ...config, defaultAgent: name }));
        return { json: { defaultAgent: name }, text: `default agent: ${name}` };
      }),
    );

  registerAgentRenewalCommands(agent, io, state);
}
