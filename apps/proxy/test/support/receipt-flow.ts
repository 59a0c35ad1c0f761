import { RELAY_PATHS } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import type { TestAgent } from "./test-agents";
import type { TestProxy } from "./test-proxy";
import type { TestSocket } from "./test-socket";

/** Connects as a v2 connector and completes the hello handshake, asking for batch frames when told to. */
export async function connectV2(proxy: TestProxy, agent: TestAgent, options: { batch?: boolean } = {}) {
  const socket = await proxy.connect(agent, 2);
  socket.send({ type: "hello", ...(options.batch ? { features: ["batch"] } : {}) });
  return { socket, helloAck: await socket.next("hello_ack") };
}

/** Sends sender → recipient and has the recipient's connector take it; returns the messageId. */
export async function deliverMessage(
  proxy: TestProxy,
  sender: TestAgent,
  recipientSocket: TestSocket,
  recipient: TestAgent,
  options: { correlationId?: string } = {},
): Promise<string> {
  const messageId = createUlid(proxy.clock.nowMs());
  const response = await proxy.sendMessage(sender, recipient.did, { text: "hello" }, { messageId, ...options });
  if (response.status !== 202) throw new Error(`relay: ${response.status} ${await response.text()}`);
  await recipientSocket.next("deliver");
  recipientSocket.ack(messageId, true);
  await recipientSocket.sync();
  return messageId;
}

/** `POST /v1/relay/delivery-receipts` as `poster`. */
export function postReceipt(
  proxy: TestProxy,
  poster: TestAgent,
  body: { messageId: string; senderAgentDid: string; status: string; reason?: string },
) {
  return proxy.send(poster, RELAY_PATHS.deliveryReceipts, { body: JSON.stringify(body) });
}

/** Each receipt's status and state in a sender's session, read from storage. */
export async function receiptStates(proxy: TestProxy, agentDid: string) {
  const { runInDurableObject } = await import("cloudflare:test");
  return runInDurableObject(proxy.session(agentDid), (_instance, state) =>
    state.storage.sql
      .exec<{ message_id: string; status: string; state: string }>(
        "SELECT message_id, status, state FROM receipts ORDER BY seq",
      )
      .toArray()
      .map((row) => ({ messageId: row.message_id, status: row.status, state: row.state })),
  );
}
