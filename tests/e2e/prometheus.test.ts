import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConnectorClient } from "../../packages/cli/src/http/index.ts";
import { readAgentConfig } from "../../packages/connector/src/index.ts";
import { LATENCY_BUCKETS_SECONDS, toBucketIndex } from "../../packages/sdk/src/index.ts";
import {
  type AgentWorld,
  createAgentWorld,
  ensurePrometheusInstalled,
  type PrometheusServer,
  REPO_ROOT,
  runPromtool,
  startPrometheus,
  startScratchStack,
  waitFor,
} from "../../scripts/harness";

const ALERT_RULES = join(REPO_ROOT, "ops/prometheus/alerts.yml");
const DASHBOARD = join(REPO_ROOT, "ops/grafana/clawdentity.json");
const SENT = { alice: 6, bob: 4 } as const;
/** How much later than the connector the test may notice an outcome: its poll interval and one local call. */
const POLL_MS = 20;
const NOTICE_SLACK_SECONDS = 0.1;

let world: AgentWorld;
let prometheus: PrometheusServer;
/** The test's own accept → outcome measurement of every message, in seconds. */
const measured: number[] = [];

const connectorOf = (name: "alice" | "bob") => {
  const process = world.agent(name).connector;
  if (!process) throw new Error(`${name}'s connector is not running`);
  const { localApiToken } = readAgentConfig({ home: world.home, agentName: name });
  return {
    url: process.started.localApiUrl,
    token: localApiToken,
    client: createConnectorClient({ fetch, localApiUrl: process.started.localApiUrl, token: localApiToken }),
  };
};

/** Sends one message through the sender's local API and waits until its outcome is recorded there. */
async function sendAndMeasure(from: "alice" | "bob", to: "alice" | "bob", index: number): Promise<void> {
  const { client } = connectorOf(from);
  const started = performance.now();
  const { messageId } = await client.send({ toAgentDid: world.agent(to).did, payload: { index } });
  await waitFor(
    `outcome of ${messageId}`,
    async () => (await client.getOutbound(messageId)).status === "delivered_to_webhook",
    { timeoutMs: 30_000, intervalMs: POLL_MS },
  );
  measured.push((performance.now() - started) / 1000);
}

/** Polls Prometheus until `expr` has the value `expected` (scrapes and flushes come on their own schedule). */
const waitForValue = (expr: string, expected: number) =>
  waitFor(`${expr} == ${expected}`, async () => (await prometheus.scalar(expr)) === expected, {
    timeoutMs: 60_000,
    intervalMs: 500,
  });

const fetchExposition = async (url: string, token: string) => {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return response.text();
};

beforeAll(async () => {
  ensurePrometheusInstalled();
  world = await createAgentWorld({
    name: "e2e-prometheus",
    agents: ["alice", "bob"],
    // Sessions flush into the aggregate every second, so a short exchange is visible at once.
    startStack: (name) =>
      startScratchStack({ name, cronIntervalMs: 60_000, proxyVars: { METRICS_FLUSH_INTERVAL_MS: "1000" } }),
  });
  const token = world.stack.secrets.metricsToken;
  prometheus = await startPrometheus({
    scrapeInterval: "1s",
    ruleFiles: [ALERT_RULES],
    jobs: [
      { job: "proxy", url: `${world.stack.proxyUrl}/metrics`, bearerToken: token },
      ...(["alice", "bob"] as const).map((name) => {
        const connector = connectorOf(name);
        return { job: `connector-${name}`, url: `${connector.url}/metrics`, bearerToken: connector.token };
      }),
    ],
  });
});

afterAll(async () => {
  await prometheus?.stop();
  await world?.dispose();
});

describe("a real Prometheus scraping the proxy and two connectors", () => {
  it("sees the exchange: counts match what was sent, and the end-to-end p50 lies within what the test measured", async () => {
    await waitForValue('sum(up{job=~"proxy|connector-.*"})', 3);
    for (let index = 0; index < SENT.alice; index++) await sendAndMeasure("alice", "bob", index);
    for (let index = 0; index < SENT.bob; index++) await sendAndMeasure("bob", "alice", index);
    const total = SENT.alice + SENT.bob;

    await waitForValue('clawdentity_connector_outbound_accepted_total{job="connector-alice"}', SENT.alice);
    await waitForValue('clawdentity_connector_outbound_accepted_total{job="connector-bob"}', SENT.bob);
    await waitForValue(
      `sum(clawdentity_connector_peer_outcomes_total{job="connector-alice",peer="${world.agent("bob").did}",outcome="delivered_to_webhook"})`,
      SENT.alice,
    );
    await waitForValue(
      'sum(clawdentity_connector_webhook_delivery_latency_seconds_count{job="connector-bob"})',
      SENT.alice,
    );
    await waitForValue("sum(clawdentity_connector_outbound_outcome_latency_seconds_count)", total);
    await waitForValue("sum(clawdentity_connector_outbound_relay_latency_seconds_count)", total);
    await waitForValue("sum(clawdentity_proxy_relay_messages_accepted_total)", total);
    await waitForValue("sum(clawdentity_proxy_relay_delivery_latency_seconds_count)", total);
    await waitForValue('sum(clawdentity_connector_socket_connected{job=~"connector-.*"})', 2);
    expect(await prometheus.scalar("sum(clawdentity_proxy_relay_sockets_open)")).toBe(2);

    const p50 = await prometheus.scalar(
      "histogram_quantile(0.5, sum by (le) (clawdentity_connector_outbound_outcome_latency_seconds_bucket))",
    );
    const fastest = Math.min(...measured);
    const slowest = Math.max(...measured);
    // The connector records an outcome a little before the test notices it; histogram_quantile only
    // knows buckets, so the bounds are those of the buckets holding the test's own measurements.
    const lower = LATENCY_BUCKETS_SECONDS[toBucketIndex(Math.max(0, fastest - NOTICE_SLACK_SECONDS)) - 1] ?? 0;
    const upper = LATENCY_BUCKETS_SECONDS[toBucketIndex(slowest)] ?? Number.POSITIVE_INFINITY;
    console.log(
      `end-to-end accept → outcome: measured ${fastest.toFixed(3)}..${slowest.toFixed(3)} s over ${measured.length} messages; Prometheus p50 ${p50?.toFixed(3)} s (bucket bounds ${lower}..${upper} s)`,
    );
    expect(p50).not.toBeNull();
    expect(p50).toBeGreaterThanOrEqual(lower);
    expect(p50).toBeLessThanOrEqual(upper);
  });

  it("loads the alert rules (promtool and the running Prometheus) and parses every dashboard query", async () => {
    const check = runPromtool(["check", "rules", ALERT_RULES]);
    expect(check.output).toContain("SUCCESS");
    expect(check.status).toBe(0);
    const rules = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as {
      data: { groups: Array<{ rules: Array<{ name: string; health: string }> }> };
    };
    const loaded = rules.data.groups.flatMap((group) => group.rules);
    expect(loaded.map((rule) => rule.name).sort()).toEqual([
      "ClawdentityCircuitOpen",
      "ClawdentityCrlStale",
      "ClawdentityDeadLettersRising",
      "ClawdentityQueueNearCapacity",
      "ClawdentityReceiptsPendingTooLong",
    ]);

    const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    const expressions = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
    expect(expressions.length).toBeGreaterThan(10);
    for (const expr of expressions) await expect(prometheus.query(expr), expr).resolves.toBeInstanceOf(Array);
    // The README documents exactly the PromQL the dashboard runs.
    const readme = readFileSync(join(REPO_ROOT, "ops/README.md"), "utf8");
    for (const expr of expressions)
      expect(readme, "ops/README.md lists every dashboard query").toContain(`\`${expr}\``);
  });

  it("gets exposition text from the proxy and a connector that passes promtool check metrics", async () => {
    const proxyText = await fetchExposition(`${world.stack.proxyUrl}/metrics`, world.stack.secrets.metricsToken);
    const alice = connectorOf("alice");
    const connectorText = await fetchExposition(`${alice.url}/metrics`, alice.token);
    for (const [source, text] of [
      ["proxy", proxyText],
      ["connector", connectorText],
    ] as const) {
      const result = runPromtool(["check", "metrics"], text);
      expect({ source, ...result }).toEqual({ source, status: 0, output: "" });
    }
    expect(proxyText).toContain('clawdentity_proxy_relay_delivery_latency_seconds_bucket{priority="normal",le="+Inf"}');
    expect(connectorText).toContain("# TYPE clawdentity_connector_outbound_outcome_latency_seconds histogram");
  });
});
