/**
 * `pnpm bench:backlog`: a connector holding a large backlog, in its outbox (its proxy is down) and
 * in its inbox (its runtime's webhook refuses), must keep flat memory and per-message cost. Prints
 * the connector process's resident memory as the backlog grows, the time per slice of messages as
 * it fills, and the rate of the first and last slices as it drains, with their ratios.
 * Flags: --messages (10000), --slice (1000), --concurrency (16), --payload-bytes (250).
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { createConnectorClient } from "../../packages/cli/src/http/index.ts";
import { readAgentConfig } from "../../packages/connector/src/index.ts";
import {
  type AgentWorld,
  type ConnectorProcess,
  createAgentWorld,
  type StackProcess,
  sendBurst,
  startStackProcess,
  waitFor,
} from "../harness";
import { createPayloads } from "./payloads";

interface BacklogOptions {
  messages: number;
  slice: number;
  concurrency: number;
  payloadBytes: number;
}

function parseBacklogOptions(argv: string[]): BacklogOptions {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== "--"),
    options: {
      messages: { type: "string", default: "10000" },
      slice: { type: "string", default: "1000" },
      concurrency: { type: "string", default: "16" },
      "payload-bytes": { type: "string", default: "250" },
    },
  });
  const integer = (name: string, value: string, min: number, max: number) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new Error(`--${name} must be an integer from ${min} to ${max}, got ${value}`);
    }
    return parsed;
  };
  const messages = integer("messages", values.messages, 2, 100_000);
  return {
    messages,
    slice: integer("slice", values.slice, 1, Math.floor(messages / 2)),
    concurrency: integer("concurrency", values.concurrency, 1, 256),
    payloadBytes: integer("payload-bytes", values["payload-bytes"], 32, 200_000),
  };
}

/** The resident memory of a process in MiB, from /proc (Linux). */
function residentMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = Number(/^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1]);
  if (!Number.isFinite(kib)) throw new Error(`no VmRSS for process ${pid}`);
  return kib / 1024;
}

interface FillRow {
  waiting: number;
  sliceMs: number;
  residentMiB: number;
}

interface Drain {
  /** From the drain's start (the proxy back, the webhook fixed) to the first delivery. */
  firstDeliveryMs: number;
  firstSliceMs: number;
  lastSliceMs: number;
  totalMs: number;
}

/** A backlog's figures: memory and time per slice while it grew, and the drain's first and last slices. */
interface BacklogFigures {
  where: "outbox" | "inbox";
  fill: FillRow[];
  drain: Drain;
}

const fixed = (value: number, digits = 1) => value.toFixed(digits);

function statusClient(world: AgentWorld<StackProcess>, connector: ConnectorProcess) {
  const { localApiToken } = readAgentConfig({ home: world.home, agentName: connector.agent });
  return createConnectorClient({ fetch, localApiUrl: connector.started.localApiUrl, token: localApiToken });
}

/** Times each `slice`-th arrival at a webhook: the first and the last slice of a drain. */
function watchDrain(world: AgentWorld<StackProcess>, agent: string, expected: number, slice: number) {
  const arrivals: number[] = [];
  const seen = new Set<string>();
  let startedAt = 0;
  world.agent(agent).webhook.onAnswered((body, status) => {
    if (body.type !== "clawdentity.delivery.v1" || status < 200 || status > 299 || seen.has(body.messageId)) return;
    seen.add(body.messageId);
    arrivals.push(performance.now());
  });
  return {
    start() {
      startedAt = performance.now();
    },
    async finished(timeoutMs: number): Promise<Drain> {
      await waitFor(`${expected} deliveries at ${agent}'s webhook (${seen.size} so far)`, () => seen.size >= expected, {
        timeoutMs,
        intervalMs: 50,
      });
      const at = (index: number) => arrivals[index] ?? Number.NaN;
      return {
        firstDeliveryMs: at(0) - startedAt,
        firstSliceMs: at(slice) - at(0),
        lastSliceMs: at(expected - 1) - at(expected - 1 - slice),
        totalMs: at(expected - 1) - startedAt,
      };
    },
  };
}

async function fillInSlices(input: {
  options: BacklogOptions;
  pid: number;
  sendSlice: (payloads: ReturnType<typeof createPayloads>) => Promise<void>;
  waiting: () => Promise<number>;
}): Promise<FillRow[]> {
  const { options } = input;
  const payloads = createPayloads(options.messages, options.payloadBytes);
  const rows: FillRow[] = [{ waiting: await input.waiting(), sliceMs: 0, residentMiB: residentMiB(input.pid) }];
  for (let from = 0; from < payloads.length; from += options.slice) {
    const started = performance.now();
    await input.sendSlice(payloads.slice(from, from + options.slice));
    const target = Math.min(payloads.length, from + options.slice);
    await waitFor(`a backlog of ${target}`, async () => (await input.waiting()) >= target, {
      timeoutMs: 300_000,
      intervalMs: 50,
    });
    rows.push({
      waiting: target,
      sliceMs: performance.now() - started,
      residentMiB: residentMiB(input.pid),
    });
  }
  return rows;
}

/** alice's proxy is down: every message she sends waits in her connector's outbox. */
async function outboxBacklog(world: AgentWorld<StackProcess>, options: BacklogOptions): Promise<BacklogFigures> {
  const alice = world.agent("alice").connector as ConnectorProcess;
  const client = statusClient(world, alice);
  const drain = watchDrain(world, "bob", options.messages, options.slice);
  await world.stack.kill();
  const fill = await fillInSlices({
    options,
    pid: alice.started.pid,
    sendSlice: async (payloads) => {
      await sendBurst({
        home: world.home,
        from: alice,
        toDid: world.agent("bob").did,
        payloads,
        concurrency: options.concurrency,
      });
    },
    waiting: async () => (await client.status()).queues.outbox.queued,
  });
  drain.start();
  await world.stack.restart();
  return { where: "outbox", fill, drain: await drain.finished(600_000) };
}

/** bob's runtime answers 401 (a wrong token): every message for him waits in his connector's inbox. */
async function inboxBacklog(world: AgentWorld<StackProcess>, options: BacklogOptions): Promise<BacklogFigures> {
  const alice = world.agent("alice").connector as ConnectorProcess;
  const bob = world.agent("bob");
  const client = statusClient(world, bob.connector as ConnectorProcess);
  const before = (await client.status()).queues.inbox.delivered;
  const drain = watchDrain(world, "bob", options.messages, options.slice);
  bob.webhook.respondWith(() => 401);
  const fill = await fillInSlices({
    options,
    pid: (bob.connector as ConnectorProcess).started.pid,
    sendSlice: async (payloads) => {
      await sendBurst({ home: world.home, from: alice, toDid: bob.did, payloads, concurrency: options.concurrency });
    },
    waiting: async () => (await client.status()).queues.inbox.pending,
  });
  drain.start();
  bob.webhook.respondWith(() => 200);
  const figures = await drain.finished(600_000);
  await waitFor(
    "every inbox row delivered",
    async () => (await client.status()).queues.inbox.delivered - before >= options.messages,
    { timeoutMs: 60_000 },
  );
  return { where: "inbox", fill, drain: figures };
}

function printBacklog(figures: BacklogFigures, options: BacklogOptions): void {
  const { fill, drain } = figures;
  console.log(`\n${figures.where}: ${options.messages} messages waiting, in slices of ${options.slice}`);
  console.log(`${"waiting".padStart(9)}${"slice ms".padStart(11)}${"µs/msg".padStart(9)}${"RSS MiB".padStart(10)}`);
  for (const row of fill) {
    const perMessageUs = row.sliceMs === 0 ? "" : fixed((row.sliceMs * 1000) / options.slice, 0);
    console.log(
      `${String(row.waiting).padStart(9)}${fixed(row.sliceMs, 0).padStart(11)}${perMessageUs.padStart(9)}${fixed(row.residentMiB).padStart(10)}`,
    );
  }
  const first = fill[1] as FillRow;
  const last = fill.at(-1) as FillRow;
  const empty = fill[0] as FillRow;
  const growthPerThousand = ((last.residentMiB - first.residentMiB) / (last.waiting - first.waiting)) * 1000;
  console.log(
    `memory: ${fixed(empty.residentMiB)} MiB empty, ${fixed(first.residentMiB)} MiB at ${first.waiting}, ${fixed(last.residentMiB)} MiB at ${last.waiting} (${fixed(growthPerThousand, 2)} MiB per 1,000 more waiting)`,
  );
  console.log(`fill: last slice ${fixed(last.sliceMs / first.sliceMs, 2)} × the first slice's time (flat = 1.0)`);
  console.log(
    `drain: first delivery ${fixed(drain.firstDeliveryMs, 0)} ms after the ${figures.where === "outbox" ? "proxy's restart" : "webhook's recovery"}; first ${options.slice} in ${fixed(drain.firstSliceMs, 0)} ms, last ${options.slice} in ${fixed(drain.lastSliceMs, 0)} ms, all in ${fixed(drain.totalMs / 1000)} s (${fixed((options.messages / drain.totalMs) * 1000, 0)} msg/s); last slice ${fixed(drain.lastSliceMs / drain.firstSliceMs, 2)} × the first`,
  );
}

const options = parseBacklogOptions(process.argv.slice(2));
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
console.log(
  `clawdentity bench:backlog: ${options.messages} messages of ~${options.payloadBytes} bytes, ${options.concurrency} in flight`,
);
const world = await createAgentWorld<StackProcess>({
  name: "bench-backlog",
  agents: ["alice", "bob"],
  startStack: (name) =>
    startStackProcess({
      name,
      cronIntervalMs: 60_000,
      proxyVars: {
        SENDER_RATE_LIMIT_PER_MINUTE: "100000000",
        RELAY_QUEUE_CAPACITY: String(Math.max(5_000, options.messages * 8)),
      },
    }),
  // Quick to notice the proxy is back and the webhook recovered; the backlog itself is the subject.
  tuning: {
    outboxRetryBaseMs: 200,
    outboxRetryMaxMs: 1_000,
    reconnectBaseMs: 200,
    reconnectMaxMs: 1_000,
    webhookRetryBaseMs: 200,
    webhookRetryMaxMs: 1_000,
    circuitOpenMs: 1_000,
  },
});
try {
  printBacklog(await outboxBacklog(world, options), options);
  printBacklog(await inboxBacklog(world, options), options);
} finally {
  await world.dispose();
}
