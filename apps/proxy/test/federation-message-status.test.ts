import { FEDERATION_PATHS, messageStatusResponseSchema } from "@clawdentity/protocol";
import { describe, expect, it } from "vitest";
import { expectError } from "./support/expect-error";
import { connectV2 } from "./support/receipt-flow";
import {
  createRemoteProxy,
  setHomeAtRegistry,
  toForwardedMessage,
  toForwardRequest,
  toSignedFederationRequest,
} from "./support/remote-proxy";
import { createPairedAgents } from "./support/test-proxy";

const PROXY_A = "https://proxy-a.example";
const PROXY_C = "https://proxy-c.example";
const iso = (ms: number) => new Date(ms).toISOString();

describe("POST /v1/federation/messages/status (PROTOCOL.md §11.9)", () => {
  it("answers the sender's home proxy with this proxy's timeline of a forwarded message, and no other proxy", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const remote = await createRemoteProxy(PROXY_A);
    const other = await createRemoteProxy(PROXY_C);
    await setHomeAtRegistry(alice.did, { origin: PROXY_A, kid: remote.kid });
    const receivedAt = proxy.clock.nowMs();
    const message = await toForwardedMessage(proxy.clock, alice, bob.did, { text: "from A" });
    expect((await proxy.fetch(await toForwardRequest(proxy.clock, remote, [message]))).status).toBe(200);

    proxy.clock.advance(1_000);
    const { socket } = await connectV2(proxy, bob);
    await socket.next("deliver");
    socket.ack(message.messageId, true);
    await socket.sync();
    const deliveredAt = proxy.clock.nowMs();
    await proxy.flushOutbound(bob.did);

    const body = JSON.stringify({ messageId: message.messageId, senderAgentDid: alice.did });
    const asked = (from: typeof remote) =>
      toSignedFederationRequest(proxy.clock, from, FEDERATION_PATHS.messageStatus, body);
    const answer = await proxy.fetch(await asked(remote));
    expect(answer.status).toBe(200);
    const status = messageStatusResponseSchema.parse(await answer.json());
    expect(status).toMatchObject({ messageId: message.messageId, recipientAgentDid: bob.did });
    expect(status.timeline).toEqual([
      { event: "accepted", at: iso(receivedAt) },
      { event: "queued", at: iso(receivedAt) },
      { event: "delivered_to_connector", at: iso(deliveredAt), attempt: 1 },
    ]);

    // A registered proxy that is not alice's home learns nothing of her messages.
    await expectError(await proxy.fetch(await asked(other)), 404, "PROXY_MESSAGE_NOT_FOUND");
    socket.close();
  });
});
