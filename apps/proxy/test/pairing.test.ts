import {
  pairingConfirmResponseSchema,
  pairingTicketResponseSchema,
  RELAY_PATHS,
  trustPeersResponseSchema,
} from "@clawdentity/protocol";
import { describe, expect, it } from "vitest";
import { expectError } from "./support/expect-error";
import { createTestAgent, type TestAgent } from "./support/test-agents";
import { createTestProxy, type TestProxy } from "./support/test-proxy";

async function issueTicket(proxy: TestProxy, initiator: TestAgent, body: object = {}) {
  const response = await proxy.send(initiator, RELAY_PATHS.pairingTickets, { body: JSON.stringify(body) });
  expect(response.status).toBe(201);
  return pairingTicketResponseSchema.parse(await response.json());
}

const confirm = (proxy: TestProxy, peer: TestAgent, ticket: string) =>
  proxy.send(peer, RELAY_PATHS.pairingConfirm, { body: JSON.stringify({ ticket }) });

async function peersOf(proxy: TestProxy, agent: TestAgent) {
  const response = await proxy.send(agent, RELAY_PATHS.trustPeers);
  return trustPeersResponseSchema.parse(await response.json()).peers;
}

describe("pairing and trust", () => {
  it("issues a 5-minute ticket and, once confirmed, both sides trust each other", async () => {
    const proxy = createTestProxy();
    const alice = await createTestAgent(proxy.clock);
    const bob = await createTestAgent(proxy.clock);
    const issued = await issueTicket(proxy, alice);
    expect(issued.initiatorAgentDid).toBe(alice.did);
    expect(Date.parse(issued.expiresAt)).toBe(proxy.clock.nowMs() + 300_000);

    const confirmed = await confirm(proxy, bob, issued.ticket);
    expect(confirmed.status).toBe(201);
    expect(pairingConfirmResponseSchema.parse(await confirmed.json()).peer.agentDid).toBe(alice.did);
    expect((await peersOf(proxy, alice)).map((peer) => peer.agentDid)).toEqual([bob.did]);
    expect((await peersOf(proxy, bob)).map((peer) => peer.agentDid)).toEqual([alice.did]);
    expect((await proxy.sendMessage(alice, bob.did, "a→b")).status).toBe(202);
    expect((await proxy.sendMessage(bob, alice.did, "b→a")).status).toBe(202);
  });

  it("each side's limits apply to what the OTHER sends to it, capped at the operator's maxima", async () => {
    const proxy = createTestProxy({ queueCapacity: 400, senderQueueShare: 0.25 });
    const alice = await createTestAgent(proxy.clock);
    const bob = await createTestAgent(proxy.clock);
    const { ticket } = await issueTicket(proxy, alice, { rateLimitPerMinute: 5, queueQuota: 50 });
    const confirmed = await proxy.send(bob, RELAY_PATHS.pairingConfirm, {
      body: JSON.stringify({ ticket, rateLimitPerMinute: 100_000, queueQuota: 1_000_000 }),
    });
    expect(confirmed.status).toBe(201);
    // alice's row for bob: what alice lets bob send her.
    expect((await peersOf(proxy, alice))[0]).toMatchObject({
      agentDid: bob.did,
      rateLimitPerMinute: 5,
      queueQuota: 50,
    });
    // bob's row for alice: bob asked for more than the operator allows and got the maxima.
    expect((await peersOf(proxy, bob))[0]).toMatchObject({
      agentDid: alice.did,
      rateLimitPerMinute: 60,
      queueQuota: 100,
    });
  });

  it("uses a ticket once; the same peer confirming again gets the same answer", async () => {
    const proxy = createTestProxy();
    const alice = await createTestAgent(proxy.clock);
    const bob = await createTestAgent(proxy.clock);
    const mallory = await createTestAgent(proxy.clock);
    const { ticket } = await issueTicket(proxy, alice);
    expect((await confirm(proxy, bob, ticket)).status).toBe(201);
    expect((await confirm(proxy, bob, ticket)).status).toBe(201);
    await expectError(await confirm(proxy, mallory, ticket), 409, "PROXY_PAIRING_TICKET_USED");
    expect((await peersOf(proxy, alice)).map((peer) => peer.agentDid)).toEqual([bob.did]);
  });

  it("refuses an expired ticket", async () => {
    const proxy = createTestProxy();
    const alice = await createTestAgent(proxy.clock);
    const bob = await createTestAgent(proxy.clock);
    const { ticket } = await issueTicket(proxy, alice, { ttlSeconds: 60 });
    proxy.clock.advance(61_000);
    await expectError(await confirm(proxy, bob, ticket), 410, "PROXY_PAIRING_TICKET_EXPIRED");
  });

  it("refuses a forged or tampered ticket", async () => {
    const proxy = createTestProxy();
    const alice = await createTestAgent(proxy.clock);
    const bob = await createTestAgent(proxy.clock);
    const { ticket } = await issueTicket(proxy, alice);
    const [header, payload, signature] = ticket.split(".");
    const claims = JSON.parse(atob((payload ?? "").replace(/-/g, "+").replace(/_/g, "/")));
    const forgedPayload = btoa(JSON.stringify({ ...claims, queueQuota: 999_999 }))
      .replace(/=+$/, "")
      .replace(/\+/g, "-")
      .replace(/\//g, "_");
    await expectError(
      await confirm(proxy, bob, `${header}.${forgedPayload}.${signature}`),
      400,
      "PROXY_PAIRING_TICKET_INVALID",
    );
    await expectError(await confirm(proxy, bob, "garbage"), 400, "PROXY_PAIRING_TICKET_INVALID");
    await expectError(await confirm(proxy, bob, alice.ait), 400, "PROXY_PAIRING_TICKET_INVALID");
  });

  it("refuses pairing an agent with itself", async () => {
    const proxy = createTestProxy();
    const alice = await createTestAgent(proxy.clock);
    const { ticket } = await issueTicket(proxy, alice);
    await expectError(await confirm(proxy, alice, ticket), 400, "PROXY_PAIRING_SELF");
  });

  it("refuses a ticket whose initiator was revoked since", async () => {
    const proxy = createTestProxy();
    const alice = await createTestAgent(proxy.clock);
    const bob = await createTestAgent(proxy.clock);
    const { ticket } = await issueTicket(proxy, alice);
    await proxy.session(alice.did).revoke({ scope: "agent", reason: "agent_revoked" });
    await expectError(await confirm(proxy, bob, ticket), 400, "PROXY_PAIRING_TICKET_INVALID");
  });

  it("validates ticket requests", async () => {
    const proxy = createTestProxy();
    const alice = await createTestAgent(proxy.clock);
    const tooLong = await proxy.send(alice, RELAY_PATHS.pairingTickets, {
      body: JSON.stringify({ ttlSeconds: 86_400 }),
    });
    await expectError(tooLong, 400, "PROXY_VALIDATION_FAILED");
    const notJson = await proxy.send(alice, RELAY_PATHS.pairingConfirm, { body: "{" });
    await expectError(notJson, 400, "PROXY_BAD_REQUEST");
    const huge = await proxy.send(alice, RELAY_PATHS.pairingConfirm, {
      body: JSON.stringify({ ticket: "x".repeat(9000) }),
    });
    await expectError(huge, 413, "PROXY_PAYLOAD_TOO_LARGE");
  });

  it("removing a peer ends the pairing on both sides", async () => {
    const proxy = createTestProxy();
    const alice = await createTestAgent(proxy.clock);
    const bob = await createTestAgent(proxy.clock);
    await proxy.pair(alice, bob);
    const removed = await proxy.send(bob, `${RELAY_PATHS.trustPeers}/${encodeURIComponent(alice.did)}`, {
      method: "DELETE",
    });
    expect(removed.status).toBe(204);
    expect(await peersOf(proxy, alice)).toEqual([]);
    expect(await peersOf(proxy, bob)).toEqual([]);
    await expectError(await proxy.sendMessage(alice, bob.did, {}), 403, "PROXY_SENDER_NOT_TRUSTED");
    const again = await proxy.send(bob, `${RELAY_PATHS.trustPeers}/${alice.did}`, { method: "DELETE" });
    await expectError(again, 404, "PROXY_PEER_NOT_FOUND");
    const notADid = await proxy.send(bob, `${RELAY_PATHS.trustPeers}/someone`, { method: "DELETE" });
    await expectError(notADid, 400, "PROXY_VALIDATION_FAILED");
  });

  it("does not let a used ticket re-pair after the pairing was removed", async () => {
    const proxy = createTestProxy();
    const alice = await createTestAgent(proxy.clock);
    const bob = await createTestAgent(proxy.clock);
    const { ticket } = await issueTicket(proxy, alice);
    expect((await confirm(proxy, bob, ticket)).status).toBe(201);
    await proxy.send(alice, `${RELAY_PATHS.trustPeers}/${bob.did}`, { method: "DELETE" });
    await expectError(await confirm(proxy, bob, ticket), 409, "PROXY_PAIRING_TICKET_USED");
  });
});
