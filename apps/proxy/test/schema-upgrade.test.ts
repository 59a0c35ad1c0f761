import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { SESSION_MIGRATIONS } from "../src/session/stores";
import { createSchemaMigrator, createSqlRunner } from "../src/storage";

describe("relay session schema upgrade", () => {
  it("brings a session created with migration 1 up to date before it handles a call", async () => {
    const id = env.RELAY_SESSIONS.idFromName(`did:cdi:127.0.0.1:agent:${createUlid()}`);
    const [first] = SESSION_MIGRATIONS;
    await runInDurableObject(env.RELAY_SESSIONS.get(id), (_instance, state) => {
      state.storage.transactionSync(() =>
        createSchemaMigrator(createSqlRunner(state.storage.sql), [first as never]).ensure(0),
      );
    });
    // Resetting the object makes the next call construct a new instance, as after a deploy.
    await runInDurableObject(env.RELAY_SESSIONS.get(id), (_instance, state) => state.abort("restart")).catch(() => {});
    const upgraded = await runInDurableObject(env.RELAY_SESSIONS.get(id), (_instance, state) => {
      return state.storage.sql
        .exec<{ version: number }>("SELECT MAX(version) AS version FROM schema_migrations")
        .toArray()[0]?.version;
    });
    expect(upgraded).toBe(SESSION_MIGRATIONS.at(-1)?.version);
  });

  it("leaves no trigger in the schema: every depth a store reads, a store writes", async () => {
    const id = env.RELAY_SESSIONS.idFromName(`did:cdi:127.0.0.1:agent:${createUlid()}`);
    const triggers = await runInDurableObject(env.RELAY_SESSIONS.get(id), (_instance, state) => {
      state.storage.transactionSync(() =>
        createSchemaMigrator(createSqlRunner(state.storage.sql), SESSION_MIGRATIONS).ensure(0),
      );
      return state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'trigger'").toArray();
    });
    expect(triggers).toEqual([]);
  });
});

describe("relay session schema upgrade to lean rows (migration 5)", () => {
  it("keeps queued and delivered messages, their depth, nonces, owed outbound rows and sent timelines", async () => {
    const agentDid = `did:cdi:127.0.0.1:agent:${createUlid()}`;
    const sender = `did:cdi:127.0.0.1:agent:${createUlid()}`;
    const id = env.RELAY_SESSIONS.idFromName(agentDid);
    await runInDurableObject(env.RELAY_SESSIONS.get(id), (_instance, state) => {
      const sql = state.storage.sql;
      state.storage.transactionSync(() => {
        createSchemaMigrator(
          createSqlRunner(sql),
          SESSION_MIGRATIONS.filter((migration) => migration.version < 5),
        ).ensure(0);
        sql.exec(
          "INSERT INTO identity (singleton, agent_did, first_seen_at_ms, last_seen_at_ms) VALUES (1, ?, 0, 0)",
          agentDid,
        );
        for (const [messageId, state_] of [
          ["m-queued", "queued"],
          ["m-delivered", "delivered"],
        ]) {
          sql.exec(
            `INSERT INTO messages (sender_did, message_id, correlation_id, priority_rank, payload, payload_bytes, state,
               accepted_at_ms, queued_at_ms, expires_at_ms) VALUES (?, ?, 'c', 2, '{}', 2, ?, 1, 1, 9999999999999)`,
            sender,
            messageId,
            state_,
          );
        }
        sql.exec("INSERT INTO nonces (nonce, expires_at_ms) VALUES ('n-1', 9999999999999)");
        for (const [id, kind, sentAtMs] of [
          ["01KBEA0000000000000000000A", "receipt", 3],
          ["01KBEA0000000000000000000B", "progress", 3],
          ["01KBEA0000000000000000000C", "progress", null],
        ]) {
          sql.exec(
            `INSERT INTO outbound (id, kind, target_did, dedupe_key, body, created_at_ms, sent_at_ms)
             VALUES (?, ?, ?, ?, '{}', 1, ?)`,
            id,
            kind,
            sender,
            `${kind}:${id}`,
            sentAtMs,
          );
        }
        sql.exec(
          `INSERT INTO sent_messages (message_id, recipient_did, correlation_id, priority_rank, accepted_at_ms, state,
             state_at_ms, attempts, updated_at_ms) VALUES ('s-1', ?, 'c', 1, 5, 'delivered_to_connector', 7, 1, 7)`,
          sender,
        );
        for (const [event, atMs, key] of [
          ["accepted", 5, "accepted"],
          ["queued", 5, "queued"],
          ["delivered_to_connector", 7, "report:r"],
        ]) {
          sql.exec(
            "INSERT INTO message_events (message_id, recipient_did, event, at_ms, attempt, dedupe_key) VALUES ('s-1', ?, ?, ?, 1, ?)",
            sender,
            event,
            atMs,
            key,
          );
        }
      });
    });
    await runInDurableObject(env.RELAY_SESSIONS.get(id), (_instance, state) => state.abort("restart")).catch(() => {});
    const upgraded = await runInDurableObject(env.RELAY_SESSIONS.get(id), async (instance, state) => {
      const sql = state.storage.sql;
      return {
        version: sql.exec<{ version: number }>("SELECT MAX(version) AS version FROM schema_migrations").one().version,
        messages: sql
          .exec<{ message_id: string; state: string }>("SELECT message_id, state FROM messages ORDER BY seq")
          .toArray(),
        nonces: sql.exec<{ nonce: string }>("SELECT nonce FROM nonces").toArray(),
        outbound: sql
          .exec<{ kind: string; dedupe_key: string | null }>("SELECT kind, dedupe_key FROM outbound ORDER BY id")
          .toArray(),
        depth: (await instance.getMetrics()).queueDepth,
        status: await instance.getMessageStatus("s-1"),
      };
    });
    expect(upgraded.version).toBe(SESSION_MIGRATIONS.at(-1)?.version);
    expect(upgraded.messages).toEqual([
      { message_id: "m-queued", state: "queued" },
      { message_id: "m-delivered", state: "delivered" },
    ]);
    expect(upgraded.nonces).toEqual([{ nonce: "n-1" }]);
    // A sent report is done; a sent receipt keeps its dedupe key; an unsent report is still owed.
    expect(upgraded.outbound).toEqual([
      { kind: "receipt", dedupe_key: "receipt:01KBEA0000000000000000000A" },
      { kind: "progress", dedupe_key: null },
    ]);
    expect(upgraded.depth).toEqual({ critical: 0, normal: 0, low: 1 });
    expect(upgraded.status).toMatchObject({
      state: "delivered_to_connector",
      attempts: 1,
      timeline: [{ event: "accepted" }, { event: "queued" }, { event: "delivered_to_connector", attempt: 1 }],
    });
  });
});
