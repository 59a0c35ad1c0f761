import type { BillableOps } from "../../packages/protocol/src/index.ts";
import { type AgentWorld, sleep } from "../harness";
import { type Arrivals, createArrivals, type PathFigures, toPathFigures, toRoundsFigures } from "./arrivals";
import { subtractOps } from "./billing";
import { type CpuPerMessage, meanCpu, measureCpuPerMessage } from "./cpu-time";
import { type BenchOptions, WARM_UP_MESSAGES } from "./options";
import { createPayloads } from "./payloads";
import { startRawBaseline } from "./raw-baseline";
import { rawAccept } from "./raw-paths";
import {
  type FaultCounts,
  readBillableOps,
  readFaultCounts,
  relayAccept,
  relayAcceptBatched,
  sendOutbound,
  startRealSystem,
  watchWebhook,
} from "./real-system";

/** Turns relay accept and raw accept take, each with a quarter of the messages. */
const ACCEPT_ROUNDS = 4;
/** Messages a batched relay request carries in the batched accept path. */
const ACCEPT_BATCH_SIZE = 32;
const TIMEOUT_MS = 600_000;
/** Lets receipt confirmations and the alarms a burst scheduled finish before the counts are read. */
const SETTLE_MS = 3_000;
/** The agents whose connectors run through the round trips. */
const CONNECTED = ["alice", "bob"] as const;

export interface RealFigures {
  accept: PathFigures;
  acceptCpu: CpuPerMessage;
  /** Raw accept measured in turns with relay accept, the same messages a round each. */
  rawAccept: PathFigures;
  rawAcceptCpu: CpuPerMessage;
  /** Relay accept's rate over raw accept's, round by round. */
  acceptRoundRatios: number[];
  /** The proxy's billable operations over the relay accept rounds, summed. */
  acceptOps: BillableOps;
  acceptBatched: PathFigures;
  drain: PathFigures;
  toWebhook: PathFigures;
  roundTrip: PathFigures;
  roundTripCpu: CpuPerMessage;
  lightToWebhook: PathFigures | null;
  lightRoundTrip: PathFigures | null;
  /** The proxy's billable operations over the measured round trips, summed. */
  roundTripOps: BillableOps;
  /** What went wrong from the round trips to the end of the light load, as the processes counted it. */
  faults: FaultCounts;
}

/** `[start, end)` of each of `count` rounds over `messages` messages, as even as they divide. */
function toRounds(messages: number, count: number): Array<[number, number]> {
  const rounds = Math.min(count, messages);
  return Array.from({ length: rounds }, (_, index): [number, number] => [
    Math.floor((index * messages) / rounds),
    Math.floor(((index + 1) * messages) / rounds),
  ]);
}

interface MeasuredRound {
  arrivals: Arrivals;
  cpu: { cpu: CpuPerMessage; messages: number };
}

async function measureRound(messages: number, run: (arrivals: Arrivals) => Promise<void>): Promise<MeasuredRound> {
  const arrivals = createArrivals();
  const cpu = await measureCpuPerMessage(messages, () => run(arrivals));
  return { arrivals, cpu: { cpu, messages } };
}

/**
 * Relay accept (alice's signed single-message requests to `toDid`) and raw accept on a raw baseline
 * started beside the real system, in turns: `ACCEPT_ROUNDS` rounds each, the same messages, raw
 * first in odd rounds and relay first in even ones, so neither always follows the other's leftover
 * work and a host whose speed drifts moves both alike. The raw baseline stops once they are done.
 */
async function measureAcceptInTurns(input: {
  world: AgentWorld;
  toDid: string;
  payloads: readonly unknown[];
  options: BenchOptions;
}): Promise<{ relay: MeasuredRound[]; raw: MeasuredRound[]; relayOps: BillableOps }> {
  const { world, payloads, options } = input;
  const toBodies = (items: readonly unknown[]) => items.map((payload) => JSON.stringify(payload));
  const rawBodies = toBodies(payloads);
  const raw = await startRawBaseline();
  try {
    await rawAccept(
      raw,
      toBodies(createPayloads(WARM_UP_MESSAGES, options.payloadBytes)),
      options.concurrency,
      createArrivals(),
    );
    const relay: MeasuredRound[] = [];
    const rawRounds: MeasuredRound[] = [];
    const opsBefore = await readBillableOps(world);
    for (const [index, [start, end]] of toRounds(payloads.length, ACCEPT_ROUNDS).entries()) {
      const runRaw = async () => {
        rawRounds.push(
          await measureRound(end - start, (arrivals) =>
            rawAccept(raw, rawBodies.slice(start, end), options.concurrency, arrivals),
          ),
        );
      };
      const runRelay = async () => {
        relay.push(
          await measureRound(end - start, (arrivals) =>
            relayAccept({
              world,
              from: "alice",
              toDid: input.toDid,
              payloads: payloads.slice(start, end),
              concurrency: options.concurrency,
              arrivals,
            }),
          ),
        );
      };
      const [first, second] = index % 2 === 0 ? [runRaw, runRelay] : [runRelay, runRaw];
      await first();
      await second();
    }
    // The sender's timeline records go after the answers: they are part of what the accepts cost.
    await sleep(SETTLE_MS);
    return { relay, raw: rawRounds, relayOps: subtractOps(await readBillableOps(world), opsBefore) };
  } finally {
    await raw.dispose().catch((error: unknown) => console.error("raw baseline did not stop", error));
  }
}

/** The real system's paths, with raw accept measured in turns with relay accept. */
export async function runRealPaths(options: BenchOptions): Promise<RealFigures> {
  const world = await startRealSystem(options);
  try {
    const { did: bobDid } = world.agent("bob");
    const { did: carolDid } = world.agent("carol");
    const payloads = createPayloads(options.messages, options.payloadBytes);
    const drain = createArrivals();
    const drainReceipts = createArrivals();
    const toWebhook = createArrivals();
    const roundTrip = createArrivals();
    const lightToWebhook = createArrivals();
    const lightRoundTrip = createArrivals();
    watchWebhook(world, "carol", [drain], []);
    watchWebhook(world, "bob", [toWebhook, lightToWebhook], []);
    watchWebhook(world, "alice", [], [drainReceipts, roundTrip, lightRoundTrip]);
    const send = (items: readonly unknown[], concurrency: number, arrivals: (typeof toWebhook)[]) =>
      sendOutbound({ world, from: "alice", toDid: bobDid, payloads: items, concurrency, arrivals });

    const warmUp = createArrivals();
    watchWebhook(world, "alice", [], [warmUp]);
    await send(createPayloads(WARM_UP_MESSAGES, options.payloadBytes), options.concurrency, [warmUp]);
    await warmUp.waitForAll("warm-up receipts", TIMEOUT_MS);

    // The single route is compiled before it is measured too: as many signed requests to bob,
    // until his webhook has them all and their receipts have settled.
    const singleWarmUp = createArrivals();
    const singleWarmUpDelivered = createArrivals();
    watchWebhook(world, "bob", [singleWarmUpDelivered], []);
    await relayAccept({
      world,
      from: "alice",
      toDid: bobDid,
      payloads: createPayloads(WARM_UP_MESSAGES, options.payloadBytes),
      concurrency: options.concurrency,
      arrivals: singleWarmUp,
    });
    for (const id of singleWarmUp.ids()) singleWarmUpDelivered.sent(id);
    await singleWarmUpDelivered.waitForAll("single-route warm-up at bob's webhook", TIMEOUT_MS);
    await sleep(SETTLE_MS);

    // carol's connector is not running: what alice relays to her waits in her queue.
    const turns = await measureAcceptInTurns({ world, toDid: carolDid, payloads, options });
    for (const round of turns.relay) {
      for (const id of round.arrivals.ids()) {
        drain.sent(id);
        drainReceipts.sent(id);
      }
    }
    // The same messages again through the batch route; they queue behind the first (the drain counts those).
    const acceptBatched = createArrivals();
    await relayAcceptBatched({
      world,
      from: "alice",
      toDid: carolDid,
      payloads,
      batchSize: ACCEPT_BATCH_SIZE,
      concurrency: Math.max(1, Math.floor(options.concurrency / 4)),
      arrivals: acceptBatched,
    });
    for (const id of acceptBatched.ids()) drainReceipts.sent(id);
    await world.startConnector("carol", { waitConnected: false });
    await drain.waitForAll("carol's backlog at her webhook", TIMEOUT_MS);
    drain.restartAtFirstArrival();
    await drainReceipts.waitForAll("carol's receipts at alice's webhook", TIMEOUT_MS);
    await sleep(SETTLE_MS);

    const faultsBefore = await readFaultCounts(world, CONNECTED);
    const before = await readBillableOps(world);
    const roundTripCpu = await measureCpuPerMessage(payloads.length, async () => {
      await send(payloads, options.concurrency, [toWebhook, roundTrip]);
      await toWebhook.waitForAll("alice's messages at bob's webhook", TIMEOUT_MS);
      await roundTrip.waitForAll("bob's receipts at alice's webhook", TIMEOUT_MS);
    });
    await sleep(SETTLE_MS);
    const roundTripOps = subtractOps(await readBillableOps(world), before);

    for (const payload of payloads.slice(0, options.light)) {
      await send([payload], 1, [lightToWebhook, lightRoundTrip]);
      await lightRoundTrip.waitForAll("a light-load receipt", TIMEOUT_MS);
    }
    const light = options.light > 0;
    const faultsAfter = await readFaultCounts(world, CONNECTED);
    return {
      accept: toRoundsFigures(
        "relay accept: signed POST /v1/relay/messages → 202",
        turns.relay.map((round) => round.arrivals),
      ),
      acceptCpu: meanCpu(...turns.relay.map((round) => round.cpu)),
      rawAccept: toRoundsFigures(
        `raw accept, in turns with relay accept (${turns.raw.length} rounds)`,
        turns.raw.map((round) => round.arrivals),
      ),
      rawAcceptCpu: meanCpu(...turns.raw.map((round) => round.cpu)),
      acceptRoundRatios: turns.relay.map(({ arrivals }, index) => {
        const raw = turns.raw[index]?.arrivals as Arrivals;
        return arrivals.count() / arrivals.elapsedMs() / (raw.count() / raw.elapsedMs());
      }),
      acceptOps: turns.relayOps,
      acceptBatched: toPathFigures(`relay accept, batched ${ACCEPT_BATCH_SIZE}: POST …/messages/batch`, acceptBatched),
      drain: toPathFigures("drain on connect (from the first delivery)", drain),
      toWebhook: toPathFigures("connector POST /v1/outbound → peer webhook", toWebhook),
      roundTrip: toPathFigures("full round trip → receipt at sender's webhook", roundTrip),
      roundTripCpu,
      lightToWebhook: light ? toPathFigures("one at a time: → peer webhook", lightToWebhook) : null,
      lightRoundTrip: light ? toPathFigures("one at a time: → receipt at sender", lightRoundTrip) : null,
      faults: Object.fromEntries(
        Object.entries(faultsAfter).map(([name, count]) => [name, count - (faultsBefore[name] ?? 0)]),
      ),
      roundTripOps,
    };
  } catch (error) {
    // A request the runtime dropped (a reset connection) is explained by what workerd printed last.
    console.error(world.stack.recentRuntimeOutput(60).join("\n"));
    throw error;
  } finally {
    await world.dispose();
  }
}
