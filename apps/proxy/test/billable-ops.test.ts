import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { type BillableOps, billableOpsResponseSchema, RELAY_PATHS } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { readBillableOps } from "../src/billing";
import { createSqlRunner } from "../src/storage";
import { expectError } from "./support/expect-error";
import { connectV2, deliverMessage } from "./support/receipt-flow";
import { createPairedAgents, type TestProxy } from "./support/test-proxy";

async function readCounts(proxy: TestProxy): Promise<BillableOps> {
  const response = await proxy.operator(RELAY_PATHS.opsBillableOps);
  expect(response.status).toBe(200);
  return billableOpsResponseSchema.parse(await response.json()).counts;
}

function growth(before: BillableOps, after: BillableOps): BillableOps {
  const keys = Object.keys(before) as Array<keyof BillableOps>;
  return Object.fromEntries(keys.map((key) => [key, after[key] - before[key]])) as unknown as BillableOps;
}

describe("billable operations", () => {
  it("refuses a caller without the operator token", async () => {
    const { proxy } = await createPairedAgents();
    await expectError(await proxy.operator(RELAY_PATHS.opsBillableOps, "wrong"), 401, "PROXY_METRICS_UNAUTHORIZED");
  });

  it("counts the rows an SQL statement really wrote and read", async () => {
    const stub = env.RELAY_SESSIONS.get(env.RELAY_SESSIONS.idFromName(`billing-${createUlid()}`));
    const { written, read } = await runInDurableObject(stub, (_instance, state) => {
      const db = createSqlRunner(state.storage.sql);
      db.run("CREATE TABLE counted (id INTEGER PRIMARY KEY, body TEXT)");
      const start = readBillableOps().counts;
      db.run("INSERT INTO counted (body) VALUES ('a'), ('b'), ('c')");
      const afterInsert = readBillableOps().counts;
      expect(db.all("SELECT body FROM counted")).toHaveLength(3);
      const afterSelect = readBillableOps().counts;
      return {
        written: afterInsert.sqlRowsWritten - start.sqlRowsWritten,
        read: afterSelect.sqlRowsRead - afterInsert.sqlRowsRead,
      };
    });
    expect(written).toBe(3);
    expect(read).toBe(3);
  });

  it("counts the Durable Object calls, socket frames and rows of one delivered message", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const { socket } = await connectV2(proxy, bob);
    const before = await readCounts(proxy);
    await deliverMessage(proxy, alice, socket, bob);
    const used = growth(before, await readCounts(proxy));
    // The sender's session admits the request, the recipient's stores it: two RPC calls at least.
    expect(used.durableObjectRpcCalls).toBeGreaterThanOrEqual(2);
    expect(used.webSocketMessagesOut).toBeGreaterThanOrEqual(1);
    expect(used.webSocketMessagesIn).toBeGreaterThanOrEqual(1);
    expect(used.sqlRowsWritten).toBeGreaterThan(0);
    expect(used.sqlRowsRead).toBeGreaterThan(0);
    // Counting adds nothing billable of its own.
    const idle = growth(await readCounts(proxy), await readCounts(proxy));
    expect(idle).toEqual(growth(before, before));
  });
});
