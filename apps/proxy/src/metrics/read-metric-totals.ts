import { toMetricsShard, toQueueRecordsObject } from "./ops-objects";

/** Sums every metrics shard and adds the held queue records gauge: the totals `GET /metrics` reports. */
export async function readMetricTotals(env: Env, shards: number): Promise<Record<string, number>> {
  const records = toQueueRecordsObject(env);
  const parts = await Promise.all([
    ...Array.from({ length: shards }, (_, index) => toMetricsShard(env, index).readTotals()),
    records.readTotals(),
    records.readHeldRecords(),
  ]);
  const totals: Record<string, number> = {};
  for (const part of parts) {
    for (const [series, value] of Object.entries(part)) totals[series] = (totals[series] ?? 0) + value;
  }
  return totals;
}
