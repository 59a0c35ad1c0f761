import { createUlid } from "../../packages/sdk/src/index.ts";
import { mapWithConcurrency } from "../harness";
import { type Arrivals, createArrivals, type PathFigures, toPathFigures } from "./arrivals";
import { type CpuPerMessage, meanCpu, measureCpuPerMessage } from "./cpu-time";
import { type BenchOptions, WARM_UP_MESSAGES } from "./options";
import { createPayloads } from "./payloads";
import { type RawBaseline, startRawBaseline } from "./raw-baseline";

const TIMEOUT_MS = 300_000;

export interface RawFigures {
  hop: PathFigures;
  hopCpu: CpuPerMessage;
  accept: PathFigures;
  acceptCpu: CpuPerMessage;
  lightHop: PathFigures | null;
}

const meanOf = (a: PathFigures, b: PathFigures): PathFigures => ({
  label: a.label,
  messages: a.messages + b.messages,
  perSecond: (a.perSecond + b.perSecond) / 2,
  p50Ms: (a.p50Ms + b.p50Ms) / 2,
  p99Ms: (a.p99Ms + b.p99Ms) / 2,
});

/**
 * The baseline the ratios divide by: the raw paths measured before and after the real system,
 * averaged, so a machine that sped up or slowed down during the run moves both sides alike.
 */
export function meanRawFigures(before: RawFigures, after: RawFigures): RawFigures {
  return {
    hop: meanOf(before.hop, after.hop),
    accept: meanOf(before.accept, after.accept),
    hopCpu: meanCpu({ cpu: before.hopCpu, messages: 1 }, { cpu: after.hopCpu, messages: 1 }),
    acceptCpu: meanCpu({ cpu: before.acceptCpu, messages: 1 }, { cpu: after.acceptCpu, messages: 1 }),
    lightHop: before.lightHop && after.lightHop ? meanOf(before.lightHop, after.lightHop) : before.lightHop,
  };
}

/** `POST /accept` of each body, `concurrency` in flight; arrival = the 202. */
export async function rawAccept(
  raw: RawBaseline,
  bodies: readonly string[],
  concurrency: number,
  arrivals: Arrivals,
): Promise<void> {
  await mapWithConcurrency(bodies, concurrency, async (body) => {
    const id = createUlid();
    arrivals.sent(id);
    await raw.post("/accept", "accept", id, body);
    arrivals.arrived(id);
  });
}

export async function runRawPaths(options: BenchOptions): Promise<RawFigures> {
  const raw = await startRawBaseline();
  try {
    const bodies = createPayloads(options.messages, options.payloadBytes).map((payload) => JSON.stringify(payload));
    const hops = createArrivals();
    await raw.connect("hop", (id) => hops.arrived(id));
    const hop = async (body: string) => {
      const id = createUlid();
      hops.sent(id);
      await raw.post("/hop", "hop", id, body);
    };
    const warmUpBodies = createPayloads(WARM_UP_MESSAGES, options.payloadBytes).map((payload) =>
      JSON.stringify(payload),
    );
    await mapWithConcurrency(warmUpBodies, options.concurrency, hop);
    await hops.waitForAll("raw warm-up", TIMEOUT_MS);

    const measured = createArrivals();
    await raw.connect("measured", (id) => measured.arrived(id));
    const hopCpu = await measureCpuPerMessage(bodies.length, async () => {
      await mapWithConcurrency(bodies, options.concurrency, async (body) => {
        const id = createUlid();
        measured.sent(id);
        await raw.post("/hop", "measured", id, body);
      });
      await measured.waitForAll("raw single hop", TIMEOUT_MS);
    });

    const accepted = createArrivals();
    const acceptCpu = await measureCpuPerMessage(bodies.length, () =>
      rawAccept(raw, bodies, options.concurrency, accepted),
    );

    let lightHop: PathFigures | null = null;
    if (options.light > 0) {
      const light = createArrivals();
      await raw.connect("light", (id) => light.arrived(id));
      for (const body of bodies.slice(0, options.light)) {
        const id = createUlid();
        light.sent(id);
        await raw.post("/hop", "light", id, body);
        await light.waitForAll("raw light hop", TIMEOUT_MS);
      }
      lightHop = toPathFigures("raw single hop, one at a time", light);
    }
    return {
      hop: toPathFigures("raw single hop: POST → DO insert → WebSocket push", measured),
      hopCpu,
      accept: toPathFigures("raw accept: POST → DO insert → 202", accepted),
      acceptCpu,
      lightHop,
    };
  } finally {
    await raw.dispose();
  }
}
