import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { SESSION_MIGRATIONS } from "../src/session/schema";
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
});
