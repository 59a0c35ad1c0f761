import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { createMetricsStore, LATENCY_SAMPLE_SLOTS, SESSION_MIGRATIONS } from "../src/session/stores";
import { createSchemaMigrator, createSqlRunner } from "../src/storage";

const freshSession = () => env.RELAY_SESSIONS.get(env.RELAY_SESSIONS.idFromName(`latency-${createUlid()}`));

/** The session's SQL, keeping each statement's cursor so the rows written can be summed. */
function countWrites(sql: SqlStorage) {
  const cursors: Array<SqlStorageCursor<Record<string, SqlStorageValue>>> = [];
  const counting = {
    exec(query: string, ...bindings: SqlStorageValue[]) {
      const cursor = sql.exec(query, ...bindings);
      cursors.push(cursor);
      return cursor;
    },
  } as unknown as SqlStorage;
  return { counting, written: () => cursors.reduce((rows, cursor) => rows + cursor.rowsWritten, 0) };
}

describe("delivery latency window", () => {
  it("writes the samples held between two writes as one row, and keeps the most recent 1024 in order", async () => {
    const result = await runInDurableObject(freshSession(), (_instance, state) => {
      const plain = createSqlRunner(state.storage.sql);
      createSchemaMigrator(plain, SESSION_MIGRATIONS).ensure(0);
      const { counting, written } = countWrites(state.storage.sql);
      let persist: (() => void) | null = null;
      const metrics = createMetricsStore(createSqlRunner(counting), {
        deferWrites: (write) => {
          persist = write;
        },
      });

      const first = Array.from({ length: 300 }, (_, index) => index);
      for (const latency of first) metrics.recordLatency(latency);
      const heldWrites = written();
      (persist as (() => void) | null)?.();
      const oneWriteRows = written() - heldWrites;

      const more = Array.from({ length: LATENCY_SAMPLE_SLOTS + 100 }, (_, index) => 1_000 + index);
      for (const latency of more) metrics.recordLatency(latency);
      (persist as (() => void) | null)?.();
      return { heldWrites, oneWriteRows, firstWindow: first, window: metrics.latencySamples(), more };
    });
    // Nothing is written while samples are held; 300 of them are then one row.
    expect(result.heldWrites).toBe(0);
    expect(result.oneWriteRows).toBe(1);
    expect(result.window).toHaveLength(LATENCY_SAMPLE_SLOTS);
    expect(result.window).toEqual([...result.firstWindow, ...result.more].slice(-LATENCY_SAMPLE_SLOTS));
  });

  it("carries the samples of a session written a row per delivery (migration 6) into the window", async () => {
    const result = await runInDurableObject(freshSession(), (_instance, state) => {
      const sql = state.storage.sql;
      const db = createSqlRunner(sql);
      state.storage.transactionSync(() => {
        createSchemaMigrator(
          db,
          SESSION_MIGRATIONS.filter((migration) => migration.version <= 6),
        ).ensure(0);
        [100, 300, 200].forEach((latency, slot) => {
          sql.exec("INSERT INTO latency_samples (slot, latency_ms) VALUES (?, ?)", slot, latency);
        });
        sql.exec("INSERT INTO counters (name, value) VALUES ('latency.samples', 3), ('delivered', 3)");
      });
      state.storage.transactionSync(() => createSchemaMigrator(db, SESSION_MIGRATIONS).ensure(1));
      const metrics = createMetricsStore(db);
      return {
        samples: metrics.latencySamples(),
        counters: sql.exec<{ name: string }>("SELECT name FROM counters ORDER BY name").toArray(),
        oldTable: sql.exec("SELECT name FROM sqlite_master WHERE name = 'latency_samples'").toArray(),
      };
    });
    expect(result.samples).toEqual([100, 300, 200]);
    expect(result.counters).toEqual([{ name: "delivered" }]);
    expect(result.oldTable).toEqual([]);
  });

  it("starts an upgraded session that never delivered with an empty window", async () => {
    const samples = await runInDurableObject(freshSession(), (_instance, state) => {
      const db = createSqlRunner(state.storage.sql);
      state.storage.transactionSync(() =>
        createSchemaMigrator(
          db,
          SESSION_MIGRATIONS.filter((migration) => migration.version <= 6),
        ).ensure(0),
      );
      state.storage.transactionSync(() => createSchemaMigrator(db, SESSION_MIGRATIONS).ensure(1));
      return createMetricsStore(db).latencySamples();
    });
    expect(samples).toEqual([]);
  });
});
