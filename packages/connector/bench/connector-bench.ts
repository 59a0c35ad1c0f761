/**
 * Throughput and latency of one connector against the in-process fake proxy and webhook, with
 * SQLite in WAL mode and synchronous=FULL (every accepted message fsync'd before the 202).
 * Prints figures; asserts nothing. Run: `npx tsx bench/connector-bench.ts [messages] [FULL|NORMAL]`.
 */
import { createFakeClock } from "../test/helpers/fake-clock";
import { startFakeProxy } from "../test/helpers/fake-proxy";
import { startFakeWebhook } from "../test/helpers/fake-webhook";
import { createDeliverFrame, framesOfType } from "../test/helpers/frames";
import { createTestIdentities } from "../test/helpers/identity";
import { startTestConnector } from "../test/helpers/test-connector";

const COUNT = Number(process.argv[2] ?? 1_000);
const SYNCHRONOUS = process.argv[3] === "NORMAL" ? "NORMAL" : "FULL";
const CONCURRENCY = 16;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const format = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 0.5).toFixed(2)} ms, p99 ${percentile(sorted, 0.99).toFixed(2)} ms`;
};

async function waitUntil(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function main() {
  const ids = await createTestIdentities();
  const proxy = await startFakeProxy({ keys: ids.keys });
  const webhook = await startFakeWebhook();
  // The real clock: scheduling behaves as in production.
  const clock = { ...createFakeClock(), nowMs: () => Date.now() };
  const node = await startTestConnector({
    identity: ids.agent,
    proxyUrl: proxy.url,
    webhookUrl: webhook.url,
    clock,
    tuning: { maxIdleMs: 1_000, databaseSynchronous: SYNCHRONOUS },
  });
  const storage = node.started.storage;

  const latencies: number[] = [];
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < COUNT) {
        next += 1;
        const begin = performance.now();
        const response = await node.api("POST", "/v1/outbound", {
          body: { toAgentDid: ids.peer.agentDid, payload: { text: "benchmark message", n: next } },
        });
        if (response.status !== 202) throw new Error(`POST /v1/outbound answered ${response.status}`);
        latencies.push(performance.now() - begin);
      }
    }),
  );
  const accepted = performance.now() - started;
  await waitUntil(() => storage.outbox.countByStatus().relayed === COUNT);
  const relayed = performance.now() - started;
  console.log(`outbound: ${COUNT} messages, ${CONCURRENCY} concurrent clients, synchronous=${SYNCHRONOUS}`);
  console.log(`  POST /v1/outbound latency: ${format(latencies)}`);
  console.log(
    `  accepted ${(COUNT / (accepted / 1000)).toFixed(0)} msg/s; all relayed (signed POST, 202) after ${relayed.toFixed(0)} ms = ${(COUNT / (relayed / 1000)).toFixed(0)} msg/s`,
  );

  const inboundStart = performance.now();
  for (let index = 0; index < COUNT; index++) {
    proxy.sendFrame(createDeliverFrame({ from: ids.peer.agentDid, to: ids.agent.agentDid, payload: { n: index } }));
  }
  await waitUntil(() => framesOfType(proxy.frames, "deliver_ack").length === COUNT);
  const acked = performance.now() - inboundStart;
  await waitUntil(() => storage.receiptOutbox.countByState().done === COUNT);
  const delivered = performance.now() - inboundStart;
  console.log(`inbound: ${COUNT} deliver frames`);
  console.log(`  stored + deliver_ack: ${(COUNT / (acked / 1000)).toFixed(0)} frames/s`);
  console.log(
    `  delivered to webhook + receipt posted: ${delivered.toFixed(0)} ms = ${(COUNT / (delivered / 1000)).toFixed(0)} msg/s`,
  );

  await node.stop();
  await proxy.close();
  await webhook.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
