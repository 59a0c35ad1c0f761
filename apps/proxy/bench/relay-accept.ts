/**
 * Accept throughput of `POST /v1/relay/messages` against the real worker in a local workerd
 * (wrangler's `unstable_startWorker`, loopback only), and the cost of one enqueue with an empty
 * recipient queue and with 10,000 messages already queued. Run: `pnpm --filter @clawdentity/proxy bench`.
 */
import { CLAW_HEADERS, RELAY_PATHS } from "@clawdentity/protocol";
import { createUlid, signRequest, systemClock } from "@clawdentity/sdk";
import { unstable_startWorker } from "wrangler";
import { TEST_PAIRING_SECRET } from "../test/support/registry-fixture.ts";
import { createRegistryStub } from "../test/support/registry-stub.ts";
import { createTestAgent, type TestAgent } from "../test/support/test-agents.ts";

const THROUGHPUT_REQUESTS = 2_000;
const CONCURRENCY = 16;
const PROBE_REQUESTS = 300;
const BACKLOG = 10_000;
const FILL_BATCH = 2_000;

interface Signed {
  path: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

interface RunResult {
  latencies: number[];
  elapsedMs: number;
}

async function sign(
  agent: TestAgent,
  path: string,
  body?: string,
  extra: Record<string, string> = {},
): Promise<Signed> {
  const method = body === undefined ? "GET" : "POST";
  const claw = await signRequest({
    method,
    pathWithQuery: path,
    body: body ?? "",
    ait: agent.ait,
    privateKey: agent.keyPair.privateKey,
  });
  const headers = { "content-type": "application/json", ...claw, ...extra };
  return { path, method, headers, ...(body === undefined ? {} : { body }) };
}

/** Signed just before a phase runs, so signing is not timed and every timestamp is fresh. */
function signMessages(sender: TestAgent, recipient: TestAgent, count: number): Promise<Signed[]> {
  const payload = JSON.stringify({ text: "benchmark message", padding: "x".repeat(200) });
  const headers = () => ({ [CLAW_HEADERS.recipientAgentDid]: recipient.did, [CLAW_HEADERS.messageId]: createUlid() });
  return Promise.all(Array.from({ length: count }, () => sign(sender, RELAY_PATHS.messages, payload, headers())));
}

/** Sends every request with `concurrency` in flight; returns each latency and the wall time. */
async function run(base: URL, requests: Signed[], concurrency: number, expectStatus: number): Promise<RunResult> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const workers = Array.from({ length: concurrency }, async () => {
    while (next < requests.length) {
      const request = requests[next++] as Signed;
      const sentAt = performance.now();
      const response = await fetch(new URL(request.path, base), request);
      await response.arrayBuffer();
      if (response.status !== expectStatus)
        throw new Error(`${request.path}: ${response.status}, wanted ${expectStatus}`);
      latencies.push(performance.now() - sentAt);
    }
  });
  await Promise.all(workers);
  return { latencies, elapsedMs: performance.now() - started };
}

function summarise(label: string, result: RunResult): void {
  const sorted = [...result.latencies].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  const perSecond = (sorted.length / result.elapsedMs) * 1000;
  const figures = [
    `${String(sorted.length).padStart(6)} req`,
    `${perSecond.toFixed(0).padStart(6)} req/s`,
    `p50 ${at(50).toFixed(2).padStart(7)} ms`,
    `p99 ${at(99).toFixed(2).padStart(7)} ms`,
  ];
  console.log(`${label.padEnd(44)} ${figures.join("  ")}`);
}

async function pair(base: URL, initiator: TestAgent, peer: TestAgent): Promise<void> {
  const issued = await fetch(
    new URL(RELAY_PATHS.pairingTickets, base),
    await sign(initiator, RELAY_PATHS.pairingTickets, "{}"),
  );
  const { ticket } = (await issued.json()) as { ticket: string };
  const confirm = await sign(peer, RELAY_PATHS.pairingConfirm, JSON.stringify({ ticket }));
  const confirmed = await fetch(new URL(RELAY_PATHS.pairingConfirm, base), confirm);
  if (confirmed.status !== 201) throw new Error(`pairing failed: ${confirmed.status}`);
}

/** Probes the two recipients request by request, in turn, so both see the same machine load. */
async function probeAlternately(base: URL, first: Signed[], second: Signed[]): Promise<[RunResult, RunResult]> {
  const results: [RunResult, RunResult] = [
    { latencies: [], elapsedMs: 0 },
    { latencies: [], elapsedMs: 0 },
  ];
  for (let index = 0; index < Math.min(first.length, second.length); index++) {
    for (const [requests, result] of [
      [first, results[0]],
      [second, results[1]],
    ] as const) {
      const probe = await run(base, [requests[index] as Signed], 1, 202);
      result.latencies.push(...probe.latencies);
      result.elapsedMs += probe.elapsedMs;
    }
  }
  return results;
}

async function benchmark(base: URL): Promise<void> {
  const sender = await createTestAgent(systemClock);
  const [emptyRecipient, busyRecipient, throughputRecipient] = await Promise.all(
    [0, 1, 2].map(() => createTestAgent(systemClock)),
  );
  if (!emptyRecipient || !busyRecipient || !throughputRecipient) throw new Error("could not create agents");
  for (const recipient of [emptyRecipient, busyRecipient, throughputRecipient]) await pair(base, recipient, sender);
  await run(base, await signMessages(sender, throughputRecipient, 200), CONCURRENCY, 202);

  console.log(`proxy relay accept benchmark (local workerd, loopback, concurrency ${CONCURRENCY} unless noted)`);
  const health = Array.from({ length: THROUGHPUT_REQUESTS }, () => ({ path: "/health", method: "GET", headers: {} }));
  summarise("baseline: GET /health (no auth, no storage)", await run(base, health, CONCURRENCY, 200));
  const accepts = await signMessages(sender, throughputRecipient, THROUGHPUT_REQUESTS);
  summarise("accept throughput (signed POST -> 202)", await run(base, accepts, CONCURRENCY, 202));

  for (let filled = 0; filled < BACKLOG; filled += FILL_BATCH) {
    await run(base, await signMessages(sender, busyRecipient, FILL_BATCH), CONCURRENCY, 202);
  }
  const [empty, busy] = await probeAlternately(
    base,
    await signMessages(sender, emptyRecipient, PROBE_REQUESTS),
    await signMessages(sender, busyRecipient, PROBE_REQUESTS),
  );
  summarise("enqueue, empty queue, sequential", empty);
  summarise(`enqueue, ${BACKLOG.toLocaleString("en")} queued, sequential`, busy);
  const backlogged = await signMessages(sender, busyRecipient, THROUGHPUT_REQUESTS);
  summarise(
    `accept throughput, ${BACKLOG.toLocaleString("en")}+ queued`,
    await run(base, backlogged, CONCURRENCY, 202),
  );

  const metrics = await fetch(
    new URL(RELAY_PATHS.relayMetrics, base),
    await sign(busyRecipient, RELAY_PATHS.relayMetrics),
  );
  const { queueDepth } = (await metrics.json()) as { queueDepth: Record<string, number> };
  console.log(`busy recipient queue depth at the end: ${JSON.stringify(queueDepth)}`);
}

// Loopback only: no `Request.cf` download, no telemetry.
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
const worker = await unstable_startWorker({
  sendMetrics: false,
  config: new URL("../wrangler.jsonc", import.meta.url).pathname,
  bindings: {
    PAIRING_TICKET_SECRET: { type: "plain_text", value: TEST_PAIRING_SECRET },
    SENDER_RATE_LIMIT_PER_MINUTE: { type: "plain_text", value: "100000000" },
    RELAY_QUEUE_CAPACITY: { type: "plain_text", value: "50000" },
    REGISTRY: { type: "fetcher", fetcher: createRegistryStub() as never },
  },
  dev: { server: { hostname: "127.0.0.1", port: 0 }, inspector: false, watch: false, persist: false, logLevel: "warn" },
});
try {
  await worker.ready;
  await benchmark(await worker.url);
} finally {
  await worker.dispose();
}
