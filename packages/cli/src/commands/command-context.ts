import { readAgentRuntime, resolveClawdentityHome } from "@clawdentity/connector";
import type { Command } from "commander";
import { CliError, type ExitCode } from "../cli-error";
import type { CliIo } from "../cli-io";
import {
  type CliConfig,
  type LocalAgent,
  readLocalAgent,
  requireCliConfig,
  requireOwnerToken,
  resolveAgentName,
} from "../config";
import {
  type AgentProxyClient,
  type ConnectorClient,
  createAgentProxyClient,
  createConnectorClient,
  createRegistryClient,
  type RegistryClient,
} from "../http";
import { type CommandResult, writeResult } from "../output";

/** Options every command accepts (declared once on the root program). */
export interface GlobalOptions {
  home?: string;
  agent?: string;
  json?: boolean;
}

/** What a command needs besides its own arguments; clients are built on demand so errors stay precise. */
export interface CommandContext {
  io: CliIo;
  home: string;
  json: boolean;
  /** `--agent` as given, before the default rules apply. */
  agentFlag: string | undefined;
  cliConfig(): CliConfig;
  /** The registry client; `owner: true` also requires the saved (or `CLAWDENTITY_TOKEN`) owner token. */
  registry(options?: { owner?: boolean }): RegistryClient;
  /** The agent the command acts as (`--agent`, `agent use`, or the only one). */
  agent(): LocalAgent;
  /** Signed calls to the agent's own proxy. */
  proxy(agent: LocalAgent): AgentProxyClient;
  /** The agent's running connector, or a CLI_CONNECTOR_NOT_RUNNING error. */
  connector(agent: LocalAgent): ConnectorClient;
}

export function createCommandContext(io: CliIo, globals: GlobalOptions): CommandContext {
  const home = globals.home ?? resolveClawdentityHome(io.env);
  let agent: LocalAgent | undefined;
  const context: CommandContext = {
    io,
    home,
    json: globals.json === true,
    agentFlag: globals.agent,
    cliConfig: () => requireCliConfig(home),
    registry(options = {}) {
      const config = context.cliConfig();
      return createRegistryClient({
        fetch: io.fetch,
        registryUrl: config.registryUrl,
        ...(options.owner ? { token: requireOwnerToken(config, io.env) } : {}),
      });
    },
    agent() {
      agent ??= readLocalAgent(home, resolveAgentName({ home, flag: globals.agent, env: io.env }));
      return agent;
    },
    proxy: (local) =>
      createAgentProxyClient({ fetch: io.fetch, proxyUrl: local.config.proxyUrl, identity: local.identity }),
    connector(local) {
      const runtime = readAgentRuntime(local.ref);
      if (!runtime) {
        throw new CliError({
          code: "CLI_CONNECTOR_NOT_RUNNING",
          message: `the connector of ${local.name} is not running; start it with clawdentity connector start --agent ${local.name}`,
        });
      }
      return createConnectorClient({
        fetch: io.fetch,
        localApiUrl: runtime.localApiUrl,
        token: local.config.localApiToken,
      });
    },
  };
  return context;
}

/** Tracks the exit code of a run: a command can succeed at its call yet report a failed outcome. */
export interface RunState {
  exitCode: ExitCode;
}

export type ActionHandler<O> = (
  context: CommandContext,
  input: { args: (string | undefined)[]; opts: O; command: Command },
) => Promise<CommandResult>;

/** Adapts a handler to commander: builds the context from the global options and prints the result. */
export function toAction<O>(io: CliIo, state: RunState, handler: ActionHandler<O>) {
  return async (...raw: unknown[]): Promise<void> => {
    const command = raw[raw.length - 1] as Command;
    const context = createCommandContext(io, command.optsWithGlobals<GlobalOptions>());
    const result = await handler(context, {
      args: command.processedArgs as (string | undefined)[],
      opts: command.opts<O & Record<string, unknown>>(),
      command,
    });
    writeResult(io, context.json, result);
    if (result.failure) state.exitCode = result.failure.exitCode;
  };
}
