import {
  fetchTransport,
  readAgentRuntime,
  requestRenewal,
  toCredentials,
  writeAgentIdentity,
} from "@clawdentity/connector";
import { type Agent, type ConnectorIdentityStatus, MAX_LIFETIME_DAYS_LIMIT } from "@clawdentity/protocol";
import { decodeAitClaims, generateEd25519KeyPair } from "@clawdentity/sdk";
import { type Command, Option } from "commander";
import { CliError } from "../cli-error";
import type { CliIo } from "../cli-io";
import type { LocalAgent } from "../config";
import { createConnectorClient } from "../http";
import { requireLocalAgent, resolveAgentRef, toAgentLines } from "./agent-ref";
import { type CommandContext, type RunState, toAction } from "./command-context";
import { toIntegerParser } from "./option-parsers";

const RENEWAL_TIMEOUT_MS = 15_000;
export const parseMaxLifetimeDays = toIntegerParser(1, MAX_LIFETIME_DAYS_LIMIT);

interface RenewView {
  agentDid: string;
  jti: string;
  expiresAt: string;
  rotated: boolean;
  /** `connector` when the running connector renewed (it keeps signing without a gap), else `cli`. */
  via: "connector" | "cli";
  local: { name: string; dir: string };
}

/** The running connector renews: its calls under way wait for the new AIT instead of failing against the old. */
async function renewThroughConnector(
  context: CommandContext,
  local: LocalAgent,
  localApiUrl: string,
  rotateKey: boolean,
): Promise<ConnectorIdentityStatus> {
  const client = createConnectorClient({ fetch: context.io.fetch, localApiUrl, token: local.config.localApiToken });
  try {
    return (await client.renewIdentity(rotateKey ? { rotateKey } : {})).identity;
  } catch (error) {
    // The registry's refusal is the user's to act on (exit 1), not a broken connector.
    if (error instanceof CliError && error.code === "CONNECTOR_RENEWAL_FAILED") {
      const registryCode = (error.details as { registryCode?: string } | undefined)?.registryCode;
      throw new CliError({ code: registryCode ?? error.code, message: error.message, details: error.details });
    }
    throw error;
  }
}

/** No connector runs: renew with the identity on disk and write the new one (atomically, 0600). */
async function renewDirectly(context: CommandContext, local: LocalAgent, rotateKey: boolean): Promise<string> {
  const registryUrl = local.config.registryUrl ?? context.cliConfig().registryUrl;
  let identity = local.identity;
  if (rotateKey && !identity.nextSeed) {
    // Written down first: if the answer is lost, the next renew recovers the AIT for this key.
    identity = { ...identity, nextSeed: (await generateEd25519KeyPair()).seed };
    writeAgentIdentity(local.ref, identity);
  }
  const answer = await requestRenewal({
    registryUrl,
    credentials: await toCredentials(identity),
    ...(identity.nextSeed ? { nextSeed: identity.nextSeed } : {}),
    http: fetchTransport(context.io.fetch),
    timeoutMs: RENEWAL_TIMEOUT_MS,
    nowMs: Date.now(),
  });
  if (answer.kind === "renewed") {
    writeAgentIdentity(local.ref, answer.identity);
    return answer.identity.ait;
  }
  if (answer.kind === "aborted") throw new CliError({ code: "CLI_CANCELLED", message: "renewal aborted" });
  throw new CliError({
    code: answer.code ?? "CLI_HTTP_ERROR",
    message: `renewal failed: ${answer.error}`,
    ...(answer.kind === "retry" ? { exitCode: 2 } : {}),
  });
}

function toPolicyLine(agent: Agent): string {
  const { selfRenewal, maxLifetimeDays, renewableUntil } = agent.renewal;
  return `self-renewal ${selfRenewal ? "on" : "off"}; max lifetime ${maxLifetimeDays} d (renewable until ${renewableUntil})`;
}

/** `agent renew` (the agent renews its own AIT) and `agent policy` (the owner's renewal policy). */
export function registerAgentRenewalCommands(agent: Command, io: CliIo, state: RunState): void {
  agent
    .command("renew")
    .description(
      "renew the agent's AIT now, signed by the agent itself (its running connector does it when there is one)",
    )
    .argument("[agent]", "local name (default: the current agent)")
    .option("--rotate-key", "also move the agent to a new key (proved to the registry; the old one is retired)")
    .action(
      toAction<{ rotateKey?: boolean }>(io, state, async (context, { args, opts }) => {
        const local = requireLocalAgent(context, args[0], "to renew");
        const rotateKey = opts.rotateKey === true;
        const runtime = readAgentRuntime(local.ref);
        const base = {
          agentDid: local.identity.agentDid,
          rotated: rotateKey,
          local: { name: local.name, dir: local.dir },
        };
        let view: RenewView;
        if (runtime) {
          const { jti, expiresAt } = await renewThroughConnector(context, local, runtime.localApiUrl, rotateKey);
          view = { ...base, jti, expiresAt, via: "connector" };
        } else {
          const claims = decodeAitClaims(await renewDirectly(context, local, rotateKey));
          view = {
            ...base,
            jti: claims?.jti ?? "",
            expiresAt: new Date((claims?.exp ?? 0) * 1000).toISOString(),
            via: "cli",
          };
        }
        return {
          json: view,
          text: [
            `${local.name}  ${view.agentDid}  renewed${view.rotated ? " with a new key" : ""}`,
            `new AIT ${view.jti} expires ${view.expiresAt}${view.via === "connector" ? " (taken up by the running connector)" : ""}`,
          ],
        };
      }),
    );

  agent
    .command("policy")
    .description("the owner's renewal policy of an agent: may it renew itself, and for how long before a reissue")
    .argument("[agent]", "local name, DID or ULID (default: the current agent)")
    .addOption(new Option("--self-renewal <on|off>", "allow or refuse self-renewal").choices(["on", "off"]))
    .option(
      "--max-lifetime-days <days>",
      "renewable for this long after the last registration or reissue",
      parseMaxLifetimeDays,
    )
    .action(
      toAction<{ selfRenewal?: "on" | "off"; maxLifetimeDays?: number }>(io, state, async (context, { args, opts }) => {
        const { id } = resolveAgentRef(context, args[0]);
        if (opts.selfRenewal === undefined && opts.maxLifetimeDays === undefined) {
          throw new CliError({
            code: "CLI_INVALID_ARGUMENT",
            message: "give --self-renewal on|off, --max-lifetime-days or both",
          });
        }
        const updated = await context.registry({ owner: true }).setRenewalPolicy(id, {
          ...(opts.selfRenewal ? { selfRenewal: opts.selfRenewal === "on" } : {}),
          ...(opts.maxLifetimeDays ? { maxLifetimeDays: opts.maxLifetimeDays } : {}),
        });
        return { json: updated, text: toAgentLines(updated.agent, [toPolicyLine(updated.agent)]) };
      }),
    );
}
