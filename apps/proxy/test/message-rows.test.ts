import { type BillableOps, billableOpsResponseSchema, RELAY_PATHS } from "@clawdentity/protocol";
import { describe, expect, it } from "vitest";
import { connectV2, deliverMessage, postReceipt } from "./support/receipt-flow";
import { createPairedAgents, type TestProxy } from "./support/test-proxy";

async function readCounts(proxy: TestProxy): Promise<BillableOps> {
  const response = await proxy.operator(RELAY_PATHS.opsBillableOps);
  expect(response.status).toBe(200);
  return billableOpsResponseSchema.parse(await response.json()).counts;
}

const MESSAGES = 10;

describe("SQLite rows per delivered message", () => {
  it("stays within its budget for a round trip: accepted, delivered, acked, its receipt stored, pushed and acked", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const { socket: aliceSocket } = await connectV2(proxy, alice);
    const { socket: bobSocket } = await connectV2(proxy, bob);
    const roundTrip = async () => {
      const messageId = await deliverMessage(proxy, alice, bobSocket, bob);
      const posted = await postReceipt(proxy, bob, {
        messageId,
        senderAgentDid: alice.did,
        status: "delivered_to_webhook",
      });
      expect(posted.status).toBe(202);
      await proxy.routeReceipts();
      const receipt = await aliceSocket.next("receipt");
      expect(receipt).toMatchObject({ messageId, status: "delivered_to_webhook" });
      aliceSocket.ackReceipt(receipt.id);
      await aliceSocket.sync();
    };
    // The first round trip creates the rows every later one only updates (depth per sender, counters).
    await roundTrip();
    const before = await readCounts(proxy);
    for (let i = 0; i < MESSAGES; i++) await roundTrip();
    const after = await readCounts(proxy);
    const read = (after.sqlRowsRead - before.sqlRowsRead) / MESSAGES;
    const written = (after.sqlRowsWritten - before.sqlRowsWritten) / MESSAGES;
    console.log(`SQLite rows per round trip: ${read.toFixed(1)} read, ${written.toFixed(1)} written`);
    // Budgets, not timings: 190 rows were read per message before the wake and due times were held
    // in memory (about 85 since), and about 58 written before the lean schema (migration 5: depths
    // in memory, partial indexes, the timeline in the sent row, one nonce row; about 31 since, plus
    // the counters). Counters are written behind once a second, so a slower machine writes their
    // rows more often: the budgets leave room for a few such writes per round trip.
    expect(read).toBeLessThanOrEqual(80);
    expect(written).toBeLessThanOrEqual(45);
    aliceSocket.close();
    bobSocket.close();
  });
});
