import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebhookBody } from "../../packages/protocol/src/index.ts";
import {
  type AgentWorld,
  countDeliveryFigures,
  createAgentWorld,
  createSeededRandom,
  type DeliveryFigures,
  FAST_RECOVERY_PROXY_VARS,
  FAST_RECOVERY_TUNING,
  formatDeliveryFigures,
  resolveFaultSeed,
  type SentMessage,
  type StackProcess,
  sendBurst,
  sleep,
  startStackProcess,
  startTcpForwarder,
  type TcpForwarder,
  updateAgentConfig,
  waitFor,
} from "../../scripts/harness";

/**
 * Each scenario, faults and settling included, ends within its budget (about twice what it takes on
 * two busy cores); then its figures are printed and checked. The file stays under 4 minutes even
 * when every scenario runs out of time.
 */
const BUDGET_MS = { a: 80_000, b: 60_000, c: 45_000 } as const;

const random = createSeededRandom(resolveFaultSeed(process.env));
let world: AgentWorld<StackProcess>;
let forwarder: TcpForwarder;

beforeAll(async () => {
  console.log(`[receipt-faults] seed ${random.seed} (CLAWDENTITY_FAULT_SEED=${random.seed} replays the fault moments)`);
  world = await createAgentWorld({
    name: "e2e-receipt-faults",
    agents: ["alice", "bob"],
    connect: ["alice"],
    tuning: FAST_RECOVERY_TUNING,
    startStack: (name) => startStackProcess({ name, proxyVars: FAST_RECOVERY_PROXY_VARS }),
  });
  // bob reaches the proxy through a forwarder the test can cut; the bytes are the proxy's own.
  forwarder = await startTcpForwarder({ targetPort: world.stack.proxyPort });
  updateAgentConfig(world.home, "bob", (config) => ({ ...config, proxyUrl: forwarder.url }));
  await world.startConnector("bob");
});

afterAll(async () => {
  await world?.dispose();
  await forwarder?.close();
});

interface Batch {
  label: string;
  sent: SentMessage[];
}

const remainingMs = (deadline: number) => Math.max(1, deadline - Date.now());
const isDeliveryOf = (label: string) => (body: WebhookBody) =>
  body.type === "clawdentity.delivery.v1" && (body.payload as { label?: string } | undefined)?.label === label;
/** Distinct messages of a batch bob's runtime answered 2xx. */
const deliveredCount = (label: string) =>
  new Set(
    world
      .agent("bob")
      .webhook.deliveries.filter(isDeliveryOf(label))
      .map((body) => body.messageId),
  ).size;

function runningConnector(agent: string) {
  const connector = world.agent(agent).connector;
  if (!connector) throw new Error(`${agent}'s connector is not running`);
  return connector;
}

/** alice → bob through alice's local API; each payload carries the batch label. */
function sendBatch(label: string, size: number): Promise<SentMessage[]> {
  return sendBurst({
    home: world.home,
    from: runningConnector("alice"),
    toDid: world.agent("bob").did,
    payloads: Array.from({ length: size }, (_, index) => ({ label, index })),
  });
}

const figuresOf = (messageIds: string[]) =>
  countDeliveryFigures({
    messageIds,
    recipient: world.agent("bob").webhook,
    sender: world.agent("alice").webhook,
  });

/**
 * Whether bob's runtime answered `count` distinct messages of the batch before the deadline. When
 * not, the scenario strikes no further fault: its figures show what never arrived.
 */
function deliveredAtLeast(label: string, count: number, deadline: number): Promise<boolean> {
  return waitFor(`${count} deliveries of ${label}`, () => deliveredCount(label) >= count, {
    timeoutMs: remainingMs(deadline),
    intervalMs: 20,
  }).then(
    () => true,
    () => false,
  );
}

/**
 * Waits until every message of the scenario is delivered and has its receipt at alice's runtime,
 * or the scenario's deadline passed; prints a line per batch and one for the scenario either way.
 */
async function settle(scenario: string, batches: Batch[], deadline: number): Promise<DeliveryFigures> {
  const messageIds = batches.flatMap((batch) => batch.sent.map((message) => message.messageId));
  const complete = () => {
    const figures = figuresOf(messageIds);
    return figures.missingDeliveries.length === 0 && figures.missingReceipts.length === 0;
  };
  // A timeout is not thrown here: the figures below say what is missing, and the assertions fail on them.
  await waitFor(`${scenario}: every delivery and receipt`, complete, {
    timeoutMs: remainingMs(deadline),
    intervalMs: 250,
  }).catch(() => undefined);
  if (batches.length > 1) {
    for (const batch of batches) {
      const ids = batch.sent.map((message) => message.messageId);
      console.log(formatDeliveryFigures(`[${scenario}] ${batch.label}`, figuresOf(ids)));
    }
  }
  const total = figuresOf(messageIds);
  console.log(formatDeliveryFigures(`[${scenario}] total`, total));
  return total;
}

/**
 * Runs a scenario's sends and faults within its budget, then settles and prints its figures even
 * when a fault step failed (that failure is thrown after the figures), and returns the figures.
 */
async function runScenario(
  scenario: keyof typeof BUDGET_MS,
  faults: (batches: Batch[], deadline: number) => Promise<void>,
): Promise<DeliveryFigures> {
  const deadline = Date.now() + BUDGET_MS[scenario];
  const batches: Batch[] = [];
  let failure: unknown = null;
  await faults(batches, deadline).catch((error: unknown) => {
    failure = error;
  });
  const figures = await settle(scenario, batches, deadline);
  if (failure) throw failure;
  return figures;
}

/** Counts, not id lists: the printed figures already name the first missing ids. */
function expectNothingLost(figures: DeliveryFigures) {
  expect(figures.missingDeliveries.length, "messages that never reached bob's runtime").toBe(0);
  expect(figures.missingReceipts.length, "messages without a terminal receipt at alice's runtime").toBe(0);
  // Every message reached bob's runtime, so a dead_lettered receipt would tell alice something false.
  expect(figures.deadLettered, "delivered messages reported dead_lettered to alice").toBe(0);
  expect([...world.agent("alice").webhook.invalid, ...world.agent("bob").webhook.invalid]).toEqual([]);
}

type KillMoment = "after-2xx" | "during-call" | "anytime";
const KILL_MOMENTS: readonly KillMoment[] = ["after-2xx", "during-call", "anytime"];

/**
 * `kill -9` of bob's connector once its runtime has answered `after` messages of the batch, at the
 * given moment: right after the runtime's 2xx was written, during a webhook call (the runtime sees
 * the connection drop before it answers), or at any moment 0–200 ms after that count; then bob's connector is started again.
 * When the batch is all delivered before the moment comes, the kill lands at once.
 */
async function killBob(
  label: string,
  after: number,
  moment: KillMoment,
  size: number,
  deadline: number,
): Promise<boolean> {
  const bob = world.agent("bob");
  const victim = runningConnector("bob");
  const inBatch = isDeliveryOf(label);
  if (!(await deliveredAtLeast(label, after, deadline))) return false;
  let killed = false;
  const kill = () => {
    killed = true;
    victim.signal("SIGKILL");
  };
  const stopListening = bob.webhook.onAnswered((body, status) => {
    if (!killed && moment === "after-2xx" && status >= 200 && status < 300 && inBatch(body)) kill();
  });
  bob.webhook.respondWith(async (body) => {
    if (!killed && moment === "during-call" && inBatch(body)) {
      kill();
      // Answered only once the caller's connection is gone, so the runtime never records this call.
      await waitFor("the killed caller's connection dropped", () => !bob.webhook.inFlight.has(body.messageId));
    }
    return 200;
  });
  if (moment === "anytime") await sleep(random.int(0, 200));
  else {
    await waitFor(`${moment} kill`, () => killed || deliveredCount(label) >= size, {
      timeoutMs: remainingMs(deadline),
      intervalMs: 20,
    }).catch(() => undefined);
  }
  if (!killed) kill();
  stopListening();
  bob.webhook.respondWith(() => 200);
  await world.stopConnector("bob", { kill: true });
  await world.startConnector("bob");
  return true;
}

/** `count` distinct delivery counts in [from, to) of a batch, ascending: when the faults strike. */
function pickMoments(count: number, from: number, to: number): number[] {
  const picked = new Set<number>();
  while (picked.size < count) picked.add(random.int(from, to - 1));
  return [...picked].sort((a, b) => a - b);
}

describe("every message delivered and every receipt back, whatever breaks", () => {
  it(
    "(a) kill -9 of the recipient's connector at random moments of several bursts",
    async () => {
      const figures = await runScenario("a", async (batches, deadline) => {
        for (const [index, size] of [100, 100, 100, 300].entries()) {
          const label = `a${index + 1}`;
          const kills = pickMoments(size >= 300 ? 3 : 2, Math.floor(size * 0.1), Math.floor(size * 0.8)).map(
            (after, order) => ({
              after,
              // The big burst strikes at each kind of moment once; the short ones at random kinds.
              moment: size >= 300 ? (KILL_MOMENTS[order] as KillMoment) : random.pick(KILL_MOMENTS),
            }),
          );
          const plan = kills.map((kill) => `${kill.moment} at ${kill.after}`).join(", ");
          console.log(`[a] burst ${label} (${size}): kill -9 of bob's connector ${plan} delivered`);
          batches.push({ label, sent: await sendBatch(label, size) });
          for (const kill of kills) {
            if (!(await killBob(label, kill.after, kill.moment, size, deadline))) return;
          }
          // The next burst starts once this one has reached bob's runtime.
          if (!(await deliveredAtLeast(label, size, deadline))) return;
        }
      });
      expectNothingLost(figures);
    },
    BUDGET_MS.a + 30_000,
  );

  it(
    "(b) the local runtime (registry + proxy workerd) SIGKILLed mid-burst and restarted; connectors reconnect by themselves",
    async () => {
      const pids = { alice: runningConnector("alice").started.pid, bob: runningConnector("bob").started.pid };
      const figures = await runScenario("b", async (batches, deadline) => {
        const size = 300;
        const kills = pickMoments(2, Math.floor(size * 0.1), Math.floor(size * 0.8));
        console.log(`[b] burst b (${size}): kill -9 of the runtime's process group at ${kills.join(", ")} delivered`);
        batches.push({ label: "b", sent: await sendBatch("b", size) });
        for (const after of kills) {
          if (!(await deliveredAtLeast("b", after, deadline))) return;
          const downAt = Date.now();
          const deliveredAtKill = deliveredCount("b");
          await world.stack.kill();
          await world.stack.restart();
          console.log(
            `[b] runtime killed at ${deliveredAtKill} delivered, answering again after ${Date.now() - downAt} ms`,
          );
        }
      });
      // Neither connector was restarted: both reconnected by themselves.
      expect({ alice: runningConnector("alice").started.pid, bob: runningConnector("bob").started.pid }).toEqual(pids);
      expectNothingLost(figures);
    },
    BUDGET_MS.b + 30_000,
  );

  it(
    "(c) the recipient's relay socket dropped mid-burst (reset, then silent) without killing its process",
    async () => {
      const bobPid = runningConnector("bob").started.pid;
      const figures = await runScenario("c", async (batches, deadline) => {
        const size = 300;
        const [reset = 0, blackhole = 0] = pickMoments(2, Math.floor(size * 0.1), Math.floor(size * 0.8));
        console.log(
          `[c] burst c (${size}): bob's connections reset at ${reset}, silently dropped at ${blackhole} delivered`,
        );
        batches.push({ label: "c", sent: await sendBatch("c", size) });
        if (!(await deliveredAtLeast("c", reset, deadline))) return;
        console.log(`[c] reset ${forwarder.reset()} connections at ${deliveredCount("c")} delivered`);
        if (!(await deliveredAtLeast("c", blackhole, deadline))) return;
        console.log(`[c] blackholed ${forwarder.blackhole()} connections at ${deliveredCount("c")} delivered`);
      });
      expect(runningConnector("bob").started.pid).toBe(bobPid);
      expectNothingLost(figures);
    },
    BUDGET_MS.c + 30_000,
  );
});
