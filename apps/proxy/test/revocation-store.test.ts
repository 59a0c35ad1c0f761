import { describe, expect, it } from "vitest";
import { createRevocationStore, WHOLE_AGENT } from "../src/session/stores";
import { inFreshSession } from "./support/session-storage";

describe("the revocation store", () => {
  it("answers from what it holds, learns what it records, and reads again after a rolled-back transaction", async () => {
    const seen = await inFreshSession("revocations", (db, state) => {
      const revocations = createRevocationStore(db);
      const before = { old: revocations.findFor("jti-old"), agent: revocations.isAgentRevoked() };
      revocations.record("jti-old", "renewed", 10);
      const afterRecord = { old: revocations.findFor("jti-old")?.reason, other: revocations.findFor("jti-new") };
      try {
        state.storage.transactionSync(() => {
          revocations.record(WHOLE_AGENT, "agent_revoked", 20);
          throw new Error("rolled back");
        });
      } catch {
        revocations.forget();
      }
      const afterRollback = { agent: revocations.isAgentRevoked(), old: revocations.findFor("jti-old")?.reason };
      revocations.record(WHOLE_AGENT, "agent_revoked", 30);
      const wholeAgent = { agent: revocations.isAgentRevoked(), any: revocations.findFor("jti-new")?.reason };
      return { before, afterRecord, afterRollback, wholeAgent };
    });
    expect(seen.before).toEqual({ old: undefined, agent: false });
    expect(seen.afterRecord).toEqual({ old: "renewed", other: undefined });
    expect(seen.afterRollback).toEqual({ agent: false, old: "renewed" });
    expect(seen.wholeAgent).toEqual({ agent: true, any: "agent_revoked" });
  });
});
