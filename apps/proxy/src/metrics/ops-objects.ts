import { toCountedStub } from "../billing";
import type { OpsAggregate } from "../ops";

/** Name of the ops object that holds recorded queue messages (low volume: one instance). */
const QUEUE_RECORDS_NAME = "queue-records";
/** Name of the ops object that remembers how far the revocation-list sweep got. */
const REVOCATION_SWEEP_NAME = "revocation-sweep";

/** FNV-1a, so one source always flushes into the same shard on every instance. */
export function toShardIndex(key: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}

/** One shard of the metrics aggregate: sessions spread over `shards` objects, never one hotspot. */
export function toMetricsShard(env: Env, index: number): DurableObjectStub<OpsAggregate> {
  return toCountedStub(env.OPS.get(env.OPS.idFromName(`metrics-${index}`)));
}

export function toMetricsShardFor(env: Env, source: string, shards: number): DurableObjectStub<OpsAggregate> {
  return toMetricsShard(env, toShardIndex(source, shards));
}

export function toQueueRecordsObject(env: Env): DurableObjectStub<OpsAggregate> {
  return toCountedStub(env.OPS.get(env.OPS.idFromName(QUEUE_RECORDS_NAME)));
}

export function toRevocationSweepObject(env: Env): DurableObjectStub<OpsAggregate> {
  return toCountedStub(env.OPS.get(env.OPS.idFromName(REVOCATION_SWEEP_NAME)));
}
