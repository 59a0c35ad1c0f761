import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConnectorTuning, readAgentConfig } from "../../packages/connector/src/index.ts";
import {
  bootstrapAdmin,
  createAgent,
  initHome,
  pairAgents,
  setConnectorTuning,
  waitUntilConnected,
} from "./agent-flows";
import { type CliRunner, createCliRunner } from "./cli-runner";
import { type ConnectorProcess, startConnectorProcess } from "./connector-process";
import { type RunningStack, type ScratchStack, startScratchStack } from "./scratch-stack";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver";

export interface WorldAgent {
  name: string;
  did: string;
  webhook: WebhookReceiver;
  /** The running connector process, or null while it is stopped. */
  connector: ConnectorProcess | null;
}

export interface AgentWorld<S extends RunningStack = ScratchStack> {
  stack: S;
  cli: CliRunner;
  home: string;
  agents: Record<string, WorldAgent>;
  agent(name: string): WorldAgent;
  /** Starts the agent's connector process and waits until its relay socket is connected. */
  startConnector(name: string, options?: { waitConnected?: boolean }): Promise<ConnectorProcess>;
  /** SIGTERM, or SIGKILL with `kill: true`; the agent's connector becomes null. */
  stopConnector(name: string, options?: { kill?: boolean }): Promise<void>;
  dispose(): Promise<void>;
}

export interface AgentWorldOptions<S extends RunningStack = ScratchStack> {
  /** Names the temporary folders. */
  name: string;
  /**
   * Starts the stack (given the world's name); default: `startScratchStack` in this process. A test
   * that kills the runtime passes `startStackProcess` instead.
   */
  startStack?: (name: string) => Promise<S>;
  agents: string[];
  /** Runs once the admin exists, before agents are created (e.g. until two proxies are registered). */
  afterBootstrap?: (stack: S) => Promise<unknown>;
  /** More `agent create` options per agent (e.g. `["--ttl-seconds", "60"]`, or `--proxy-url` of the stack's second proxy). */
  createArgs?: (agentName: string, stack: S) => string[];
  /** Every pair of agents is paired (first name initiates) unless false. */
  pair?: boolean;
  /**
   * The proxy's per-sender limit (`SENDER_RATE_LIMIT_PER_MINUTE`, operator policy) for the default
   * stack; bursts of more than the default 60 a minute need it raised.
   */
  senderRateLimitPerMinute?: number;
  /** Connector tuning for every agent, or per agent name. */
  tuning?: Partial<ConnectorTuning> | ((agent: string) => Partial<ConnectorTuning>);
  /** Agents whose connector starts (and connects) during set-up; default all. */
  connect?: string[];
}

/**
 * A scratch stack with an admin, agents with their own webhook receivers, mutual pairings and
 * running connectors — the starting point of every end-to-end scenario.
 */
export async function createAgentWorld<S extends RunningStack = ScratchStack>(
  options: AgentWorldOptions<S>,
): Promise<AgentWorld<S>> {
  const stack = options.startStack
    ? await options.startStack(options.name)
    : // Without `startStack`, S is its default, ScratchStack.
      ((await startScratchStack({
        name: options.name,
        cronIntervalMs: 60_000,
        ...(options.senderRateLimitPerMinute
          ? { proxyVars: { SENDER_RATE_LIMIT_PER_MINUTE: String(options.senderRateLimitPerMinute) } }
          : {}),
      })) as unknown as S);
  const home = mkdtempSync(join(tmpdir(), `clawdentity-${options.name}-home-`));
  const cli = createCliRunner({ home });
  const agents: Record<string, WorldAgent> = {};

  const agent = (name: string) => {
    const found = agents[name];
    if (!found) throw new Error(`no agent ${name} in this world`);
    return found;
  };

  const world: AgentWorld<S> = {
    stack,
    cli,
    home,
    agents,
    agent,
    async startConnector(name, { waitConnected = true } = {}) {
      const target = agent(name);
      if (target.connector) throw new Error(`connector ${name} already runs`);
      target.connector = await startConnectorProcess({ home, agent: name });
      if (waitConnected) await waitUntilConnected(cli, name);
      return target.connector;
    },
    async stopConnector(name, { kill = false } = {}) {
      const target = agent(name);
      const running = target.connector;
      target.connector = null;
      if (running) await (kill ? running.kill() : running.stop());
    },
    async dispose() {
      for (const target of Object.values(agents)) {
        await target.connector?.stop();
        await target.webhook.close();
      }
      await stack.dispose();
      rmSync(home, { recursive: true, force: true });
    },
  };

  try {
    await initHome(cli, stack);
    await bootstrapAdmin(cli, stack.secrets.bootstrapSecret);
    await options.afterBootstrap?.(stack);
    for (const name of options.agents) {
      const webhook = await startWebhookReceiver();
      const created = await createAgent(cli, name, webhook.url, options.createArgs?.(name, stack) ?? []);
      // The runtime checks every call's signature with the secret `agent create` made.
      const secret = readAgentConfig({ home, agentName: name }).webhook?.secret;
      if (secret) webhook.requireSignature(secret);
      agents[name] = { name, did: created.agent.did, webhook, connector: null };
      const tuning = typeof options.tuning === "function" ? options.tuning(name) : options.tuning;
      if (tuning) setConnectorTuning(home, name, tuning);
    }
    if (options.pair !== false) {
      for (const [index, initiator] of options.agents.entries()) {
        for (const peer of options.agents.slice(index + 1)) {
          await pairAgents(cli, initiator, peer);
        }
      }
    }
    for (const name of options.connect ?? options.agents) await world.startConnector(name);
  } catch (error) {
    // A set-up step that failed on the runtime's side (say an internal error) is explained by its log.
    const runtime = stack.recentRuntimeOutput(40);
    await world.dispose();
    if (error instanceof Error && runtime.length > 0) {
      error.message += `\nthe local runtime's last lines:\n${runtime.join("\n")}`;
    }
    throw error;
  }
  return world;
}
