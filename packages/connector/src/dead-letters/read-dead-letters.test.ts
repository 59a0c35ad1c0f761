import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { openConnectorStorage } from "../storage";
import { DeadLetterReadError, readDeadLetters } from "./read-dead-letters";

const PEER = "did:cdi:127.0.0.1:agent:01J0000000000000000000000B";
const NOW = Date.parse("2026-01-01T12:00:00.000Z");

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A database with two outbound dead letters a minute apart, closed as a stopped connector leaves it. */
function createDatabase(): string {
  const dir = mkdtempSync(join(tmpdir(), "clawdentity-dead-letters-"));
  dirs.push(dir);
  const path = join(dir, "connector.db");
  const storage = openConnectorStorage(path);
  for (const [index, messageId] of ["01J0000000000000000000000M", "01J0000000000000000000000N"].entries()) {
    const now = NOW - 120_000 + index * 60_000;
    storage.outbox.insert(
      {
        messageId,
        correlationId: messageId,
        toAgentDid: PEER,
        payload: "{}",
        conversationId: null,
        replyTo: null,
        priority: "normal",
        traceparent: null,
      },
      { now, ttlMs: 60_000 },
    );
    storage.outbox.deadLetter({ messageId, now, reason: "untrusted", error: "HTTP 403 PROXY_SENDER_NOT_TRUSTED" });
  }
  storage.close();
  return path;
}

describe("reading dead letters without the connector", () => {
  it("lists them newest first with the API's filters, and changes nothing", () => {
    const path = createDatabase();
    const modified = statSync(path).mtimeMs;
    const all = readDeadLetters(path, {}, NOW);
    expect(all.map((item) => item.messageId)).toEqual(["01J0000000000000000000000N", "01J0000000000000000000000M"]);
    expect(all[0]).toMatchObject({
      direction: "outbound",
      peerAgentDid: PEER,
      reason: "untrusted",
      source: "local",
      lastError: "HTTP 403 PROXY_SENDER_NOT_TRUSTED",
      deadLetteredAt: "2026-01-01T11:59:00.000Z",
    });
    expect(readDeadLetters(path, { olderThan: "90s" }, NOW).map((item) => item.messageId)).toEqual([
      "01J0000000000000000000000M",
    ]);
    expect(readDeadLetters(path, { direction: "inbound" }, NOW)).toEqual([]);
    expect(readDeadLetters(path, { limit: 1 }, NOW)).toHaveLength(1);
    expect(statSync(path).mtimeMs).toBe(modified);
  });

  it("finds none where no database was ever created, and refuses one of another schema version", () => {
    expect(readDeadLetters(join(tmpdir(), "clawdentity-no-such-dir", "connector.db"), {})).toEqual([]);
    const path = createDatabase();
    const db = new BetterSqlite3(path);
    db.pragma("user_version = 1");
    db.close();
    expect(() => readDeadLetters(path, {})).toThrow(DeadLetterReadError);
  });
});
