import { federationMessageResultsSchema } from "@clawdentity/protocol";
import { generateEd25519KeyPair } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { expectError } from "./support/expect-error";
import { createRemoteProxy, toForwardedMessage, toForwardRequest } from "./support/remote-proxy";
import { createTestAgent } from "./support/test-agents";
import { createPairedAgents } from "./support/test-proxy";

const PROXY_A = "https://proxy-a.example";

async function results(response: Response) {
  expect(response.status).toBe(200);
  return federationMessageResultsSchema.parse(await response.json()).results;
}

describe("POST /v1/federation/messages (PROTOCOL.md §11.4)", () => {
  it("stores a forwarded message in the recipient's session like a local relay, once", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const remote = await createRemoteProxy(PROXY_A);
    const message = await toForwardedMessage(proxy.clock, alice, bob.did, { text: "from A" }, { priority: "critical" });

    const first = await results(await proxy.fetch(await toForwardRequest(proxy.clock, remote, [message])));
    expect(first).toEqual([{ messageId: message.messageId, senderAgentDid: alice.did, outcome: "queued" }]);
    // A re-forward after a lost answer stores nothing new.
    const again = await results(await proxy.fetch(await toForwardRequest(proxy.clock, remote, [message])));
    expect(again).toEqual([{ messageId: message.messageId, senderAgentDid: alice.did, outcome: "duplicate" }]);
    expect((await proxy.metrics(bob)).queueDepth).toEqual({ critical: 1, normal: 0, low: 0 });

    const socket = await proxy.connect(bob);
    const delivered = await socket.next("deliver");
    expect(delivered).toMatchObject({ id: message.messageId, fromAgentDid: alice.did, payload: { text: "from A" } });
    socket.close();
  });

  it("refuses a message replayed to another recipient, and a tampered payload, per message", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const carol = await createTestAgent(proxy.clock);
    await proxy.pair(alice, carol);
    const remote = await createRemoteProxy(PROXY_A);
    const toBob = await toForwardedMessage(proxy.clock, alice, bob.did, { text: "for bob only" });
    const replayed = { ...toBob, recipientAgentDid: carol.did };
    const tampered = { ...toBob, messageId: toBob.messageId, payload: JSON.stringify({ text: "changed" }) };

    const answer = await results(await proxy.fetch(await toForwardRequest(proxy.clock, remote, [replayed, tampered])));
    expect(answer.map((result) => [result.outcome, result.code])).toEqual([
      ["refused", "PROXY_MESSAGE_PROOF_INVALID"],
      ["refused", "PROXY_MESSAGE_PROOF_INVALID"],
    ]);
    expect((await proxy.metrics(carol)).queueDepth).toEqual({ critical: 0, normal: 0, low: 0 });
    expect((await proxy.metrics(bob)).queueDepth).toEqual({ critical: 0, normal: 0, low: 0 });
  });

  it("refuses a message from an agent the recipient never paired with, and a revoked sender", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const stranger = await createTestAgent(proxy.clock);
    const remote = await createRemoteProxy(PROXY_A);
    const fromStranger = await toForwardedMessage(proxy.clock, stranger, bob.did, {});
    await proxy.revokeAtRegistry(alice);
    // The proxy's copy of the signed CRL is refreshed once its interval has passed.
    proxy.clock.advance(61_000);
    const fromRevoked = await toForwardedMessage(proxy.clock, alice, bob.did, {});
    const answer = await results(
      await proxy.fetch(await toForwardRequest(proxy.clock, remote, [fromStranger, fromRevoked])),
    );
    expect(answer.map((result) => result.code)).toEqual(["PROXY_SENDER_NOT_TRUSTED", "PROXY_AUTH_AGENT_REVOKED"]);
  });

  it("refuses a sender revoked by a registry event (queue or event feed) before the CRL lists it", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const remote = await createRemoteProxy(PROXY_A);
    const before = await toForwardedMessage(proxy.clock, alice, bob.did, { n: 1 });
    expect((await results(await proxy.fetch(await toForwardRequest(proxy.clock, remote, [before]))))[0]?.outcome).toBe(
      "queued",
    );
    await proxy.session(alice.did).revoke({ scope: "agent", reason: "agent_revoked" });
    const after = await toForwardedMessage(proxy.clock, alice, bob.did, { n: 2 });
    const answer = await results(await proxy.fetch(await toForwardRequest(proxy.clock, remote, [after])));
    expect(answer.map((result) => [result.outcome, result.code])).toEqual([["refused", "PROXY_AUTH_AGENT_REVOKED"]]);
  });

  it("asks the sending proxy to retry when the recipient's pairing limit is reached", async () => {
    const { proxy, bob } = await createPairedAgents();
    // bob's ticket lets the peer send it one message a minute.
    const limited = await createTestAgent(proxy.clock);
    await proxy.pair(bob, limited, { rateLimitPerMinute: 1 });
    const remote = await createRemoteProxy(PROXY_A);
    const messages = [
      await toForwardedMessage(proxy.clock, limited, bob.did, { n: 1 }),
      await toForwardedMessage(proxy.clock, limited, bob.did, { n: 2 }),
    ];
    const answer = await results(await proxy.fetch(await toForwardRequest(proxy.clock, remote, messages)));
    expect(answer.map((result) => result.outcome)).toEqual(["queued", "retry"]);
    expect(answer[1]).toMatchObject({ code: "PROXY_RATE_LIMITED" });
    expect(answer[1]?.retryAfterSeconds).toBeGreaterThan(0);
  });
});

describe("the sending proxy's signature (PROTOCOL.md §11.2)", () => {
  it("refuses a forged signature, an unknown proxy, a revoked proxy and a request signed for another proxy", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const message = await toForwardedMessage(proxy.clock, alice, bob.did, {});
    const registered = await createRemoteProxy(PROXY_A);
    const forger = await generateEd25519KeyPair();
    const forged = await toForwardRequest(proxy.clock, registered, [message], { privateKey: forger.privateKey });
    await expectError(await proxy.fetch(forged), 401, "PROXY_FEDERATION_INVALID_SIGNATURE");

    const unknown = await createRemoteProxy(PROXY_A, { registered: false });
    await expectError(
      await proxy.fetch(await toForwardRequest(proxy.clock, unknown, [message])),
      401,
      "PROXY_FEDERATION_UNKNOWN_PROXY",
    );

    const revoked = await createRemoteProxy(PROXY_A, { status: "revoked" });
    await expectError(
      await proxy.fetch(await toForwardRequest(proxy.clock, revoked, [message])),
      401,
      "PROXY_FEDERATION_PROXY_REVOKED",
    );

    const elsewhere = await toForwardRequest(proxy.clock, registered, [message], {
      audience: "https://proxy-c.example",
    });
    await expectError(await proxy.fetch(elsewhere), 401, "PROXY_FEDERATION_WRONG_AUDIENCE");

    // Nothing of any refused batch was stored.
    expect((await proxy.metrics(bob)).queueDepth).toEqual({ critical: 0, normal: 0, low: 0 });
  });

  it("refuses a batch of the wrong shape with a 400", async () => {
    const { proxy } = await createPairedAgents();
    const remote = await createRemoteProxy(PROXY_A);
    await expectError(
      await proxy.fetch(await toForwardRequest(proxy.clock, remote, [])),
      400,
      "PROXY_VALIDATION_FAILED",
    );
  });
});
