import { findMissingHops, readOutbound, sendMessage, type TraceTimelineStep, waitFor } from "../harness";
import type { AgentName, DemoContext, DemoMessage } from "./demo-context";
import type { DemoStep } from "./demo-step";
import { startConnector } from "./setup-steps";

async function send(
  context: DemoContext,
  from: AgentName,
  to: AgentName,
  text: string,
  priority: DemoMessage["priority"],
  extra: { conversation?: string; replyTo?: string } = {},
): Promise<DemoMessage> {
  const sent = await sendMessage(context.cli, from, context.agent(to).did, { text }, { priority, ...extra });
  const message = { ...sent, from, to, priority };
  context.messages.push(message);
  return message;
}

/** Where a message stands on each side, for a failure message. */
async function describeBothSides(context: DemoContext, from: AgentName, messageId: string): Promise<string> {
  const trace = await context.cli.run("--json", "--agent", from, "trace", messageId);
  if (trace.exitCode !== 0) return `no trace: ${trace.error()?.code ?? trace.stderr.trim()}`;
  const view = trace.json<{ status: string | null; relayState: string | null; timeline: TraceTimelineStep[] }>();
  const events = view.timeline.map((step) => `${step.source}:${step.event}`).join(", ");
  return `connector ${view.status}, relay ${view.relayState}; ${events}`;
}

const sentBy = (context: DemoContext, from: AgentName) => context.messages.filter((message) => message.from === from);

export const messagingSteps: DemoStep[] = [
  {
    title: "alice sends low, normal and critical messages to bob while bob is offline",
    required: true,
    async run(context, detail) {
      for (const priority of ["low", "normal", "critical"] as const) {
        const message = await send(context, "alice", "bob", `${priority} news for bob`, priority);
        await waitFor(`${message.messageId} relayed`, async () => {
          const outbound = await readOutbound(context.cli, "alice", message.messageId);
          return outbound?.status === "relayed";
        });
        detail(`${message.messageId}  ${priority.padEnd(8)} accepted by alice's connector, queued at the relay`);
      }
      if (context.agent("bob").webhook.deliveries.length > 0) throw new Error("bob received while offline");
    },
  },
  {
    title: "Start bob's connector: hello_ack counts what waited, critical is delivered first",
    required: true,
    async run(context, detail) {
      await startConnector(context, "bob", detail);
      const bob = context.agent("bob");
      const ready = await bob.connector?.waitForLog("relay session ready");
      if (ready?.queuedCount !== 3) throw new Error(`hello_ack counted ${String(ready?.queuedCount)} queued, not 3`);
      detail(`hello_ack: queuedCount ${ready.queuedCount}, expiredCount ${String(ready.expiredCount)}`);
      await waitFor("bob's three deliveries", () => bob.webhook.deliveries.length >= 3);
      const order = bob.webhook.deliveries.map((body) => body.priority);
      detail(`bob's runtime received: ${order.join(" → ")}`);
      if (order.join() !== "critical,normal,low") throw new Error(`delivered in the order ${order.join(", ")}`);
    },
  },
  {
    title: "bob replies in one conversation with mixed priorities; alice's runtime gets them in order",
    async run(context, detail) {
      const asked = sentBy(context, "alice");
      const replies = [];
      for (const [index, priority] of (["critical", "low", "normal"] as const).entries()) {
        replies.push(
          await send(context, "bob", "alice", `reply ${index + 1}`, priority, {
            conversation: "demo-thread",
            replyTo: asked[index]?.messageId,
          }),
        );
      }
      const alice = context.agent("alice");
      for (const reply of replies) await alice.webhook.waitForDelivery(reply.messageId);
      const received = alice.webhook.deliveries.filter((body) => body.conversationId === "demo-thread");
      detail(`alice's runtime received: ${received.map((body) => `${body.priority} (${body.messageId})`).join(" → ")}`);
      if (received.map((body) => body.messageId).join() !== replies.map((reply) => reply.messageId).join()) {
        throw new Error("the conversation arrived out of order");
      }
    },
  },
  {
    title: "Receipts: each sender's runtime learns its messages reached the peer's runtime",
    async run(context, detail) {
      for (const from of ["alice", "bob"] as const) {
        const sender = context.agent(from);
        const mine = sentBy(context, from);
        for (const message of mine) {
          await sender.webhook
            .waitForReceipt(message.messageId, "delivered_to_webhook", { timeoutMs: 15_000 })
            .catch(async (error: Error) => {
              throw new Error(`${error.message} (${await describeBothSides(context, from, message.messageId)})`);
            });
        }
        detail(`${from.padEnd(5)} got ${mine.length}/${mine.length} clawdentity.receipt.v1 delivered_to_webhook`);
      }
    },
  },
  {
    title: "Trace alice's critical message across every hop (`clawdentity trace`)",
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
      const missing = findMissingHops(trace.timeline);
      if (missing.length > 0) throw new Error(`the trace lacks (or misorders) ${missing.join(", ")}`);
    },
  },
];
