import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
  waitFor,
} from "../../scripts/harness";

/**
 * Several senders relaying to one recipient at once: the proxy stores their concurrent requests
 * in shared calls to the recipient's session (one transaction for several requests). The runtime
 * is killed (`kill -9`) twice mid-burst, so some shared calls commit without their answers reaching
 * the connectors, which send again: nothing may be lost, nothing stored twice, every sender told.
 */
const SENDERS = ["alice", "carol", "dave"] as const;
const PER_SENDER = 100;
const WAVE = 10;
const BUDGET_MS = 70_000;

const random = createSeededRandom(resolveFaultSeed(process.env));
let world: AgentWorld<StackProcess>;

beforeAll(async () => {
  console.log(`[shared-calls] seed ${random.seed} (CLAWDENTITY_FAULT_SEED=${random.seed} replays the fault moments)`);
  world = await createAgentWorld({
    name: "e2e-shared-calls",
    agents: [...SENDERS, "bob"],
    tuning: FAST_RECOVERY_TUNING,
    startStack: (name) => startStackProcess({ name, proxyVars: FAST_RECOVERY_PROXY_VARS }),
  });
});

afterAll(async () => {
  await world?.dispose();
});

const remainingMs = (deadline: number) => Math.max(1, deadline - Date.now());

/** `sender` → bob through its local API, in waves of 10 with short pauses, so the sends span the kills. */
async function sendWaves(sender: string): Promise<SentMessage[]> {
  const connector = world.agent(sender).connector;
  if (!connector) throw new Error(`${sender}'s connector is not running`);
  const sent: SentMessage[] = [];
  for (let wave = 0; wave < PER_SENDER / WAVE; wave++) {
    const payloads = Array.from({ length: WAVE }, (_, index) => ({ sender, index: wave * WAVE + index }));
    sent.push(...(await sendBurst({ home: world.home, from: connector, toDid: world.agent("bob").did, payloads })));
    await sleep(random.int(50, 150));
  }
  return sent;
}

/** Distinct messages bob's runtime answered 2xx (every sender's). */
const deliveredToBob = () => new Set(world.agent("bob").webhook.deliveries.map((body) => body.messageId)).size;

/** Resolves once bob's runtime has answered 2xx to `count` distinct messages (checked on each answer). */
function deliveredReaches(count: number): Promise<void> {
  return new Promise((resolve) => {
    if (deliveredToBob() >= count) return resolve();
    const stop = world.agent("bob").webhook.onAnswered(() => {
      if (deliveredToBob() < count) return;
      stop();
      resolve();
    });
  });
}

const figuresOf = (sender: string, sent: SentMessage[]): DeliveryFigures =>
  countDeliveryFigures({
    messageIds: sent.map((message) => message.messageId),
    recipient: world.agent("bob").webhook,
    sender: world.agent(sender).webhook,
  });

describe("concurrent senders whose requests share the recipient's calls", () => {
  it(
    "lose nothing, store nothing twice and learn every outcome when the runtime is SIGKILLed mid-burst",
    async () => {
      const deadline = Date.now() + BUDGET_MS;
      const total = SENDERS.length * PER_SENDER;
      const at = (share: number) => Math.floor(total * share);
      const kills = [random.int(at(0.15), at(0.4)), random.int(at(0.5), at(0.8))];
      console.log(
        `[shared-calls] ${SENDERS.length} × ${PER_SENDER} to bob; runtime killed at ${kills.join(", ")} delivered`,
      );

      const sending = Promise.all(SENDERS.map((sender) => sendWaves(sender)));
      for (const after of kills) {
        await Promise.race([deliveredReaches(after), sleep(remainingMs(deadline))]);
        const deliveredAtKill = deliveredToBob();
        await world.stack.kill();
        await world.stack.restart();
        console.log(`[shared-calls] runtime killed at ${deliveredAtKill} delivered and started again`);
      }
      const bursts = await sending;
      const ids = new Set(bursts.flat().map((message) => message.messageId));
      expect(ids.size).toBe(total);

      const complete = () =>
        SENDERS.every((sender, index) => {
          const figures = figuresOf(sender, bursts[index] ?? []);
          return figures.missingDeliveries.length === 0 && figures.missingReceipts.length === 0;
        });
      await waitFor("every delivery and receipt", complete, {
        timeoutMs: remainingMs(deadline),
        intervalMs: 250,
      }).catch(() => undefined);
      const figures = SENDERS.map((sender, index) => figuresOf(sender, bursts[index] ?? []));
      SENDERS.forEach((sender, index) => {
        console.log(formatDeliveryFigures(`[shared-calls] ${sender} → bob`, figures[index] as DeliveryFigures));
      });
      const sum = (pick: (figures: DeliveryFigures) => number) => figures.reduce((acc, each) => acc + pick(each), 0);
      expect(
        sum((each) => each.missingDeliveries.length),
        "messages that never reached bob's runtime",
      ).toBe(0);
      expect(
        sum((each) => each.missingReceipts.length),
        "messages without a receipt at their sender",
      ).toBe(0);
      // bob's connector was never stopped: a message its inbox holds is not handed to its runtime twice.
      expect(
        sum((each) => each.duplicates),
        "messages bob's runtime received twice",
      ).toBe(0);
      expect(
        sum((each) => each.deadLettered),
        "delivered messages reported dead_lettered",
      ).toBe(0);
      const invalid = [...SENDERS, "bob"].flatMap((agent) => world.agent(agent).webhook.invalid);
      expect(invalid).toEqual([]);
    },
    BUDGET_MS + 30_000,
  );
});
