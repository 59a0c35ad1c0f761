import { type AgentConfigFile, connectorTuningSchema, writeAgentConfig } from "@clawdentity/connector";
import { createWebhookSecret } from "@clawdentity/sdk";
import { type Command, InvalidArgumentError } from "commander";
import { CliError } from "../cli-error";
import type { CliIo } from "../cli-io";
import type { LocalAgent } from "../config";
import { type RunState, toAction } from "./command-context";
import { parseHttpUrl, toIntegerParser } from "./option-parsers";

interface WebhookOptions {
  url?: string;
  header: Array<[string, string]>;
  removeHeader: string[];
  timeout?: number;
  rotateSecret?: boolean;
  showSecret?: boolean;
}

/** `--header "Name: value"`, repeatable. */
function collectHeader(value: string, previous: Array<[string, string]>): Array<[string, string]> {
  const colon = value.indexOf(":");
  if (colon <= 0) throw new InvalidArgumentError('expected "Name: value"');
  return [...previous, [value.slice(0, colon).trim().toLowerCase(), value.slice(colon + 1).trim()]];
}

const collectName = (value: string, previous: string[]) => [...previous, value.trim().toLowerCase()];

/** The delivery target as shown: header values are secrets (a runtime's token), so only their names. */
export function toWebhookTargetView(agent: { name: string; config: AgentConfigFile }) {
  const timeoutMs =
    agent.config.tuning?.webhookTimeoutMs ?? connectorTuningSchema.shape.webhookTimeoutMs.parse(undefined);
  return {
    agentName: agent.name,
    url: agent.config.deliveryWebhookUrl,
    headers: Object.keys(agent.config.webhook?.headers ?? {}).sort(),
    timeoutMs,
    signed: agent.config.webhook?.secret !== undefined,
  };
}

function applyChanges(agent: LocalAgent, opts: WebhookOptions): AgentConfigFile {
  const headers = { ...agent.config.webhook?.headers };
  for (const name of opts.removeHeader) delete headers[name];
  for (const [name, value] of opts.header) headers[name] = value;
  const { headers: _old, ...otherWebhook } = agent.config.webhook ?? {};
  if (opts.rotateSecret) otherWebhook.secret = createWebhookSecret();
  const webhook = Object.keys(headers).length > 0 ? { ...otherWebhook, headers } : otherWebhook;
  const { webhook: _webhook, ...config } = agent.config;
  const tuning = { ...agent.config.tuning };
  if (opts.timeout !== undefined) {
    tuning.webhookTimeoutMs = opts.timeout * 1000;
    // A lease shorter than a call would let a second claim take a row still in flight.
    const leaseMs = tuning.leaseMs ?? connectorTuningSchema.shape.leaseMs.parse(undefined);
    if (leaseMs <= tuning.webhookTimeoutMs) tuning.leaseMs = tuning.webhookTimeoutMs + 30_000;
  }
  return {
    ...config,
    ...(opts.url ? { deliveryWebhookUrl: opts.url } : {}),
    ...(Object.keys(webhook).length > 0 ? { webhook } : {}),
    ...(Object.keys(tuning).length > 0 ? { tuning } : {}),
  };
}

/**
 * `connector webhook`: the agent's delivery target (PROTOCOL.md §9): URL, extra headers (e.g. a
 * runtime's bearer token), timeout and signing secret, saved into its config.json (0600). A
 * running connector picks the change up within a second.
 */
export function registerConnectorWebhookCommand(connectorCommand: Command, io: CliIo, state: RunState): void {
  connectorCommand
    .command("webhook")
    .description("show or change where the connector delivers: URL, extra headers, timeout (header values hidden)")
    .option("--url <url>", "the runtime's webhook URL", parseHttpUrl)
    .option(
      "--header <header>",
      'an extra header, "Name: value" (repeatable; replaces one of that name)',
      collectHeader,
      [],
    )
    .option("--remove-header <name>", "drop an extra header (repeatable)", collectName, [])
    .option("--timeout <seconds>", "how long one call may take (OpenClaw: 30 or more)", toIntegerParser(1, 300))
    .option("--rotate-secret", "a new signing secret (the runtime must verify with the new one)")
    .option("--show-secret", "print the signing secret the runtime verifies with")
    .action(
      toAction<WebhookOptions>(io, state, async (context, { opts }) => {
        const agent = context.agent();
        const changing =
          opts.url !== undefined ||
          opts.header.length + opts.removeHeader.length > 0 ||
          opts.timeout !== undefined ||
          opts.rotateSecret === true;
        let config = agent.config;
        if (changing) {
          config = applyChanges(agent, opts);
          try {
            writeAgentConfig(agent.ref, config);
          } catch (error) {
            const issues = (error as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues;
            const message = issues?.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
            throw new CliError({ code: "CLI_INVALID_ARGUMENT", message: message ?? (error as Error).message });
          }
        }
        const view = toWebhookTargetView({ name: agent.name, config });
        const secret = opts.showSecret ? (config.webhook?.secret ?? null) : undefined;
        return {
          json: { ...view, changed: changing, ...(secret === undefined ? {} : { secret }) },
          text: [
            `${agent.name} delivers to ${view.url}`,
            `headers: ${view.headers.length > 0 ? view.headers.join(", ") : "none"}; timeout ${view.timeoutMs / 1000} s`,
            view.signed ? "calls signed (Standard Webhooks)" : "calls NOT signed: add a secret with --rotate-secret",
            ...(secret ? [`secret ${secret}`] : []),
          ],
        };
      }),
    );
}
