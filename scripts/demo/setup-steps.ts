import {
  bootstrapAdmin,
  createAgent,
  initHome,
  pairAgents,
  setConnectorTuning,
  startConnectorProcess,
  startScratchStack,
  startWebhookReceiver,
  waitUntilConnected,
} from "../harness";
import type { AgentName, DemoContext } from "./demo-context";
import type { DemoStep } from "./demo-step";

export async function startConnector(context: DemoContext, name: AgentName, detail: (line: string) => void) {
  const agent = context.agent(name);
  agent.connector = await startConnectorProcess({ home: context.home, agent: name });
  await waitUntilConnected(context.cli, name);
  detail(
    `pid ${agent.connector.started.pid}, local API ${agent.connector.started.localApiUrl}, relay socket connected`,
  );
}

export const setupSteps: DemoStep[] = [
  {
    title: "Start the registry and the proxy in one local workerd (fresh state, free ports)",
    required: true,
    async run(context, detail) {
      context.stack = await startScratchStack({ name: "demo" });
      detail(`registry ${context.stack.registryUrl}   proxy ${context.stack.proxyUrl}`);
      detail(`state ${context.stack.stateDir}`);
    },
  },
  {
    title: "Bootstrap the first owner (admin) with the stack's bootstrap secret",
    required: true,
    async run(context, detail) {
      const stack = context.stack;
      if (!stack) throw new Error("no stack");
      await initHome(context.cli, stack);
      const { owner } = await bootstrapAdmin(context.cli, stack.secrets.bootstrapSecret);
      if (owner.role !== "admin") throw new Error(`bootstrap made a ${owner.role}, not an admin`);
      detail(`owner ${owner.did} (admin), token saved in ${context.home}/config.json`);
    },
  },
  {
    title: "Create agents alice and bob, each with a small webhook receiver as its runtime",
    required: true,
    async run(context, detail) {
      for (const name of ["alice", "bob"] as const) {
        const webhook = await startWebhookReceiver();
        const { agent } = await createAgent(context.cli, name, webhook.url);
        // A runtime that takes one message at a time sees exactly the order the relay chose.
        setConnectorTuning(context.home, name, { webhookConcurrency: 1 });
        context.agents[name] = { name, did: agent.did, webhook, connector: null };
        detail(`${name.padEnd(5)} ${agent.did}  webhook ${webhook.url}`);
      }
    },
  },
  {
    title: "Pair alice and bob (alice issues a one-time ticket, bob confirms it)",
    required: true,
    async run(context, detail) {
      const { peer } = await pairAgents(context.cli, "alice", "bob");
      if (peer.agentDid !== context.agent("alice").did) throw new Error("bob did not pair with alice");
      const { peers } = await context.cli.ok<{ peers: { agentDid: string }[] }>("--agent", "alice", "pair", "peers");
      if (!peers.some((entry) => entry.agentDid === context.agent("bob").did))
        throw new Error("alice does not trust bob");
      detail("trust is mutual: each lists the other under `pair peers`");
    },
  },
  {
    title: "Start alice's connector (`clawdentity connector start`, a child process)",
    required: true,
    run: (context, detail) => startConnector(context, "alice", detail),
  },
];
