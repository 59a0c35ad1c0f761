import { homedir } from "node:os";
import { join } from "node:path";
import { readAgentRuntime } from "@clawdentity/connector";
import type { Command } from "commander";
import type { CliIo } from "../cli-io";
import type { LocalAgent } from "../config";
import { createAgentProxyClient, createRegistryClient } from "../http";
import { type SkillPeer, setupOpenClaw } from "../openclaw";
import { type CommandContext, type RunState, toAction } from "./command-context";
import { parseHttpUrl } from "./option-parsers";

interface SetupOptions {
  config?: string;
  openclawAgent: string;
  gatewayUrl?: string;
  skillsDir?: string;
  peers: boolean;
}

/** Bounds each lookup of the paired peers, so an unreachable proxy or registry cannot hold the setup. */
const LOOKUP_TIMEOUT_MS = 5_000;

/** The agent's paired peers with their registered names, best effort (names help the turns and the skill). */
async function lookUpPeers(context: CommandContext, agent: LocalAgent): Promise<SkillPeer[]> {
  const fetch: typeof globalThis.fetch = (url, init) =>
    context.io.fetch(url, { ...init, signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) });
  const proxy = createAgentProxyClient({ fetch, proxyUrl: agent.config.proxyUrl, identity: agent.identity });
  const peers = await proxy.listPeers().then(
    (answer) => answer.peers,
    () => [],
  );
  const registryUrl = agent.config.registryUrl;
  const registry = registryUrl ? createRegistryClient({ fetch, registryUrl }) : null;
  return Promise.all(
    peers.map(async (peer) => ({
      did: peer.agentDid,
      name: registry
        ? await registry.resolveAgent(peer.agentDid).then(
            (answer) => answer.agent.name,
            () => null,
          )
        : null,
    })),
  );
}

/** `openclaw setup`: deliver this agent's messages into an OpenClaw gateway and let its agent send. */
export function registerOpenClawCommand(program: Command, io: CliIo, state: RunState): void {
  const openclaw = program.command("openclaw").description("connect an agent to an OpenClaw gateway");

  openclaw
    .command("setup")
    .description(
      "write the hook mapping, token, transform and skill into an OpenClaw config and point the agent's connector at it (idempotent)",
    )
    .option("--config <path>", "the gateway's config (default: $OPENCLAW_CONFIG_PATH, else ~/.openclaw/openclaw.json)")
    .option("--openclaw-agent <id>", "the OpenClaw agent that takes the messages", "main")
    .option(
      "--gateway-url <url>",
      "how the connector reaches the gateway (default: http://127.0.0.1:<gateway.port>)",
      parseHttpUrl,
    )
    .option(
      "--skills-dir <dir>",
      "where the skill goes (default: skills/ beside the config, OpenClaw's managed skills)",
    )
    .option("--no-peers", "do not look up the paired peers' names (offline)")
    .action(
      toAction<SetupOptions>(io, state, async (context, { opts }) => {
        const agent = context.agent();
        const configPath =
          opts.config ?? io.env.OPENCLAW_CONFIG_PATH ?? join(io.env.HOME ?? homedir(), ".openclaw", "openclaw.json");
        const peers = opts.peers ? await lookUpPeers(context, agent) : [];
        const result = await setupOpenClaw({
          agent,
          configPath,
          openclawAgentId: opts.openclawAgent,
          peers,
          ...(opts.gatewayUrl ? { gatewayUrl: opts.gatewayUrl } : {}),
          ...(opts.skillsDir ? { skillsDir: opts.skillsDir } : {}),
        });
        const running = readAgentRuntime(agent.ref);
        const restartConnector = running !== null && !running.localApiUrl.startsWith(result.localApiUrl);
        return {
          json: { ...result, restartConnector },
          text: [
            `${agent.name} delivers to ${result.hookUrl} (OpenClaw agent ${result.openclawAgentId})`,
            ...result.files.map((file) => `${file.changed ? "wrote    " : "unchanged"} ${file.path}`),
            result.changed ? "done" : "nothing to change",
            ...(restartConnector
              ? [`restart the connector so its local API listens on ${result.localApiUrl} (the skill uses it)`]
              : []),
            ...(result.changed
              ? ["a running gateway reloads its hooks config; check with: clawdentity connector doctor"]
              : []),
          ],
        };
      }),
    );
}
