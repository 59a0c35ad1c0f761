import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createUlid } from "@clawdentity/sdk";
import { SESSION_MIGRATIONS } from "../../src/session/stores";
import { createSchemaMigrator, createSqlRunner, type SqlRunner } from "../../src/storage";

/** Runs `work` in a new relay session object, over its SQL with every session migration applied. */
export function inFreshSession<T>(name: string, work: (db: SqlRunner, state: DurableObjectState) => T): Promise<T> {
  const stub = env.RELAY_SESSIONS.get(env.RELAY_SESSIONS.idFromName(`${name}-${createUlid()}`));
  return runInDurableObject(stub, (_instance, state) => {
    const db = createSqlRunner(state.storage.sql);
    state.storage.transactionSync(() => createSchemaMigrator(db, SESSION_MIGRATIONS).ensure(0));
    return work(db, state);
  });
}
