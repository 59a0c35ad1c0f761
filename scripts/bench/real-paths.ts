import type { BillableOps } from "../../packages/protocol/src/index.ts";
import { sleep } from "../harness";
import { createArrivals, type PathFigures, toPathFigures } from "./arrivals";
import { subtractOps } from "./billing";
import { type CpuPerMessage, measureCpuPerMessage } from "./cpu-time";
import { type BenchOptions, WARM_UP_MESSAGES } from "./options";
import { createPayloads } from "./payloads";
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

    // carol's connector is not running: what alice relays to her waits in her queue.
    const accept = createArrivals();
    const acceptCpu = await measureCpuPerMessage(payloads.length, () =>
      relayAccept({
        world,
        from: "alice",
        toDid: carolDid,
        payloads,
        concurrency: options.concurrency,
        arrivals: accept,
      }),
    );
    for (const id of accept.ids()) {
      drain.sent(id);
      drainReceipts.sent(id);
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
      accept: toPathFigures("relay accept: signed POST /v1/relay/messages → 202", accept),
      acceptCpu,
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
