import {
  bootstrapAdmin,
  createAgent,
  FEDERATED_MESSAGE_HOPS,
  findMissingHops,
  initHome,
  pairAgents,
  sendMessage,
  startScratchStack,
  startWebhookReceiver,
  type TraceTimelineStep,
  waitFor,
} from "../harness";
import { resolveHomeProxy } from "../harness/federation-calls";
import type { AgentName, DemoContext } from "./demo-context";
import type { DemoStep } from "./demo-step";
import { startConnector } from "./setup-steps";

/** Which proxy each agent is at home on: alice on the first, bob on the second. */
function homeOf(context: DemoContext, name: AgentName): string {
  const stack = context.stack;
  if (!stack?.secondProxyUrl) throw new Error("no stack with two proxies");
  return name === "alice" ? stack.proxyUrl : stack.secondProxyUrl;
}

/**
 * `pnpm demo --proxies 2`: one registry, two proxy deployments, alice at home on proxy A and bob on
 * proxy B, pairing and talking across them (PROTOCOL.md §11).
 */
export const federationSteps: DemoStep[] = [
  {
    title: "Start the registry and two proxy deployments, A and B, in one local workerd",
    required: true,
    async run(context, detail) {
      context.stack = await startScratchStack({ name: "demo-federation", proxies: 2 });
      detail(`registry ${context.stack.registryUrl}`);
      detail(`proxy A  ${context.stack.proxyUrl}   proxy B ${homeOf(context, "bob")} (own key, state, queues)`);
    },
  },
  {
    title: "Bootstrap the first owner (admin); both proxy keys are registered at the registry",
    required: true,
    async run(context, detail) {
      const stack = context.stack;
      if (!stack?.registerProxies) throw new Error("no stack with two proxies");
      await initHome(context.cli, stack);
      const { owner } = await bootstrapAdmin(context.cli, stack.secrets.bootstrapSecret);
      const register = stack.registerProxies;
      await waitFor("both proxies registered", () => register());
      detail(`owner ${owner.did} (admin); proxies A and B registered (POST /v1/proxies)`);
    },
  },
  {
    title: "Create alice on proxy A and bob on proxy B, start both connectors: each proxy attests its agent's home",
    required: true,
    async run(context, detail) {
      for (const name of ["alice", "bob"] as const) {
        const webhook = await startWebhookReceiver();
        const { agent } = await createAgent(context.cli, name, webhook.url, ["--proxy-url", homeOf(context, name)]);
        context.agents[name] = { name, did: agent.did, webhook, connector: null };
        await startConnector(context, name, detail);
        const registryUrl = context.stack?.registryUrl ?? "";
        await waitFor(`${name}'s home attested`, async () => {
          return (await resolveHomeProxy(registryUrl, agent.did)) === homeOf(context, name);
        });
        detail(`${name.padEnd(5)} ${agent.did}: the registry resolves its home to ${homeOf(context, name)}`);
      }
    },
  },
  {
    title: "Pair across proxies: alice's ticket names proxy A, bob confirms through proxy B",
    required: true,
    async run(context, detail) {
      const { peer } = await pairAgents(context.cli, "alice", "bob");
      if (peer.agentDid !== context.agent("alice").did) throw new Error("bob did not pair with alice");
      detail("proxy B relayed bob's signed confirm to proxy A; each proxy holds its agent's trust row");
    },
  },
  {
    title: "alice → bob and bob → alice with every priority; every receipt crosses back",
    required: true,
    async run(context, detail) {
      for (const [from, to] of [
        ["alice", "bob"],
        ["bob", "alice"],
      ] as const) {
        for (const priority of ["critical", "normal", "low"] as const) {
          const sent = await sendMessage(
            context.cli,
            from,
            context.agent(to).did,
            { text: `${priority} from ${from}` },
            { priority },
          );
          context.messages.push({ ...sent, from, to, priority });
        }
      }
      for (const message of context.messages) {
        await context.agent(message.to).webhook.waitForDelivery(message.messageId, { timeoutMs: 20_000 });
        await context
          .agent(message.from)
          .webhook.waitForReceipt(message.messageId, "delivered_to_webhook", { timeoutMs: 20_000 });
      }
      detail(
        `${context.messages.length} messages delivered once each, ${context.messages.length} receipts delivered_to_webhook`,
      );
    },
  },
  {
    title: "Trace alice's critical message (`clawdentity trace`): the hops on both proxies",
    async run(context, detail) {
      const message = context.messages.find((entry) => entry.from === "alice" && entry.priority === "critical");
      if (!message) throw new Error("no critical message from alice");
      const text = await context.cli.run("--agent", "alice", "trace", message.messageId);
      for (const line of text.stdout.trimEnd().split("\n")) detail(line);
      const trace = await context.cli.ok<{ timeline: TraceTimelineStep[] }>(
        "--agent",
        "alice",
        "trace",
        message.messageId,
      );
      const missing = findMissingHops(trace.timeline, FEDERATED_MESSAGE_HOPS);
      if (missing.length > 0) throw new Error(`the trace lacks (or misorders) ${missing.join(", ")}`);
    },
  },
];
