import { performance } from "node:perf_hooks";
import { createConnectorClient } from "../../packages/cli/src/http/index.ts";
import { readAgentConfig } from "../../packages/connector/src/index.ts";
import {
  type BillableOps,
  billableOpsResponseSchema,
  CONNECTOR_PATHS,
  outboundRequestSchema,
  RELAY_PATHS,
  relayMessageBatchResponseSchema,
} from "../../packages/protocol/src/index.ts";
import { createUlid } from "../../packages/sdk/src/index.ts";
import {
  type AgentWorld,
  createAgentWorld,
  createSignedPost,
  mapWithConcurrency,
  relaySigned,
  startScratchStack,
} from "../harness";
import type { Arrivals } from "./arrivals";

/**
 * The real system as the end-to-end suite runs it: registry and proxy in one local workerd, and
 * three agents with their own webhook receivers. alice and bob run connectors; carol's starts
 * later, to drain what was queued for her.
 */
export async function startRealSystem(input: { messages: number }): Promise<AgentWorld> {
  return createAgentWorld({
    name: "bench",
    agents: ["alice", "bob", "carol"],
    connect: ["alice", "bob"],
    startStack: (name) =>
      startScratchStack({
        name,
        cronIntervalMs: 60_000,
        proxyVars: {
          SENDER_RATE_LIMIT_PER_MINUTE: "100000000",
          // carol's backlog is all alice's: a sender may fill a quarter of a queue by default.
          RELAY_QUEUE_CAPACITY: String(Math.max(5_000, input.messages * 8)),
        },
      }),
  });
}

/** Records each message body's arrival at an agent's webhook (deliveries and receipts apart). */
export function watchWebhook(world: AgentWorld, agent: string, deliveries: Arrivals[], receipts: Arrivals[]): void {
  world.agent(agent).webhook.onAnswered((body, status) => {
    if (status < 200 || status > 299) return;
    const at = performance.now();
    const targets = body.type === "clawdentity.delivery.v1" ? deliveries : receipts;
    for (const arrivals of targets) arrivals.arrived(body.messageId, at);
  });
}

/** Signed `POST /v1/relay/messages` as `from` to `toDid`, `concurrency` in flight; arrival = the 202. */
export async function relayAccept(input: {
  world: AgentWorld;
  from: string;
  toDid: string;
  payloads: readonly unknown[];
  concurrency: number;
  arrivals: Arrivals;
}): Promise<void> {
  await relaySigned({
    ...input,
    onSent: (messageId) => input.arrivals.sent(messageId),
    onAnswer: (messageId, status, body) => {
      if (status !== 202) throw new Error(`relay accept: ${status} ${body}`);
      input.arrivals.arrived(messageId);
    },
  });
}

/**
 * Signed `POST /v1/relay/messages/batch` as `from` to `toDid`: `batchSize` messages a request,
 * `concurrency` requests in flight; each message arrives with its batch's answer.
 */
export async function relayAcceptBatched(input: {
  world: AgentWorld;
  from: string;
  toDid: string;
  payloads: readonly unknown[];
  batchSize: number;
  concurrency: number;
  arrivals: Arrivals;
}): Promise<void> {
  const post = await createSignedPost(input.world, input.from);
  const batches: unknown[][] = [];
  for (let start = 0; start < input.payloads.length; start += input.batchSize) {
    batches.push(input.payloads.slice(start, start + input.batchSize));
  }
  await mapWithConcurrency(batches, input.concurrency, async (payloads) => {
    const messages = payloads.map((payload) => ({
      recipientAgentDid: input.toDid,
      messageId: createUlid(),
      payload: JSON.stringify(payload),
    }));
    for (const message of messages) input.arrivals.sent(message.messageId);
    const response = await post(RELAY_PATHS.messagesBatch, JSON.stringify({ messages }));
    if (response.status !== 200) throw new Error(`batched relay accept: ${response.status}`);
    const { results } = relayMessageBatchResponseSchema.parse(await response.json());
    const at = performance.now();
    for (const result of results) {
      if (result.outcome !== "accepted") throw new Error(`batched relay accept: ${result.code}`);
      input.arrivals.arrived(result.messageId, at);
    }
  });
}

/**
 * `POST /v1/outbound` at `from`'s connector, `concurrency` in flight; each message counts as sent
 * when its request starts, in every `arrivals`.
 */
export async function sendOutbound(input: {
  world: AgentWorld;
  from: string;
  toDid: string;
  payloads: readonly unknown[];
  concurrency: number;
  arrivals: Arrivals[];
}): Promise<void> {
  const connector = input.world.agent(input.from).connector;
  if (!connector) throw new Error(`${input.from} has no connector running`);
  const { localApiToken } = readAgentConfig({ home: input.world.home, agentName: input.from });
  const client = createConnectorClient({ fetch, localApiUrl: connector.started.localApiUrl, token: localApiToken });
  await mapWithConcurrency(input.payloads, input.concurrency, async (payload) => {
    const startedAt = performance.now();
    const sent = await client.send(outboundRequestSchema.parse({ toAgentDid: input.toDid, payload }));
    for (const arrivals of input.arrivals) arrivals.sent(sent.messageId, startedAt);
  });
}

/** The body of a `GET` with the operator's or the local API's bearer token; anything but 200 fails the run. */
async function readAuthorised(url: URL, token: string): Promise<string> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`${url.pathname}: ${response.status}`);
  return response.text();
}

/** The proxy's own count of billable operations (this isolate: the whole proxy in local workerd). */
export async function readBillableOps(world: AgentWorld): Promise<BillableOps> {
  const text = await readAuthorised(
    new URL(RELAY_PATHS.opsBillableOps, world.stack.proxyUrl),
    world.stack.secrets.metricsToken,
  );
  return billableOpsResponseSchema.parse(JSON.parse(text)).counts;
}

/** Counters that name the cause of a slow run: circuits opened, calls not accepted, receipt events sent again. */
export type FaultCounts = Record<string, number>;

/** The sum of a Prometheus exposition's samples of `name` whose labels pass `keep`. */
function sumSamples(text: string, name: string, keep: (labels: string) => boolean): number {
  // A renamed metric must fail the run, not read as zero faults.
  if (!text.includes(`# TYPE ${name} `)) throw new Error(`the exposition has no metric ${name}`);
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match?.[1] !== name || !keep(match[2] ?? "")) continue;
    sum += Number(match[3]);
  }
  return sum;
}

const NOT_ACCEPTED = (labels: string) => !labels.includes('outcome="accepted"');

/**
 * What each running connector counted (circuits opened; relay, webhook and receipt calls that were
 * not accepted) and the receipt events the proxy published again for want of a confirmation.
 */
export async function readFaultCounts(world: AgentWorld, agents: readonly string[]): Promise<FaultCounts> {
  const counts: FaultCounts = {};
  for (const agent of agents) {
    const connector = world.agent(agent).connector;
    if (!connector) continue;
    const { localApiToken } = readAgentConfig({ home: world.home, agentName: agent });
    const text = await readAuthorised(new URL(CONNECTOR_PATHS.metrics, connector.started.localApiUrl), localApiToken);
    const metric = (name: string) => `clawdentity_connector_${name}`;
    counts[`${agent}: circuits opened`] = sumSamples(text, metric("circuit_transitions_total"), (labels) =>
      labels.includes('state="open"'),
    );
    counts[`${agent}: relayed messages not accepted`] = sumSamples(
      text,
      metric("outbound_relay_attempts_total"),
      NOT_ACCEPTED,
    );
    counts[`${agent}: webhook calls not accepted`] = sumSamples(text, metric("webhook_deliveries_total"), NOT_ACCEPTED);
    counts[`${agent}: receipt post outcomes not accepted`] = sumSamples(
      text,
      metric("delivery_receipts_posted_total"),
      NOT_ACCEPTED,
    );
  }
  const proxy = await readAuthorised(
    new URL(RELAY_PATHS.metrics, world.stack.proxyUrl),
    world.stack.secrets.metricsToken,
  );
  counts["proxy: receipt events published again"] = sumSamples(
    proxy,
    "clawdentity_proxy_receipt_events_republished_total",
    () => true,
  );
  return counts;
}
