import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { openConnectorDatabase } from "../../packages/connector/src/storage/database.ts";
import { sleep } from "../harness";
import { percentile } from "./arrivals";

export interface CommitLatency {
  samples: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * One-row transactions on a connector database as the connector opens it (WAL, `synchronous =
 * FULL`, so each commit waits for the disk), one at a time with a pause between, as the light
 * path makes them: the floor of each of its durable steps on this machine.
 */
export async function measureCommitLatency(samples: number, pauseMs = 20): Promise<CommitLatency> {
  const dir = mkdtempSync(join(tmpdir(), "clawdentity-bench-commits-"));
  const db = openConnectorDatabase(join(dir, "connector.db"));
  try {
    db.exec("CREATE TABLE bench_commits (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    const insert = db.prepare("INSERT INTO bench_commits (body) VALUES (?)");
    const commit = db.transaction((body: string) => insert.run(body));
    const latencies: number[] = [];
    for (let index = 0; index < samples; index++) {
      await sleep(pauseMs);
      const startedAt = performance.now();
      commit("x".repeat(250));
      latencies.push(performance.now() - startedAt);
    }
    latencies.sort((a, b) => a - b);
    return { samples, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
