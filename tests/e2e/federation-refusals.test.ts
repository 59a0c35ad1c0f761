import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentWorld,
  createAgentWorld,
  type FederatedStack,
  startFederatedStack,
  waitFor,
} from "../../scripts/harness";
import {
  createFederationMessage,
  manageProxyKey,
  type ProxyIdentity,
  postFederationMessages,
  readAgentIdentity,
  readOwnerToken,
  resolveHomeProxy,
  toProxyKey,
} from "../../scripts/harness/federation-calls";
import { callProxyAs } from "../../scripts/harness/signed-proxy-call";

/** Proxy B's cron (event feed, revocation list) in this suite; production runs it every minute. */
const PROXY_B_CRON_MS = 3_000;
/** PROTOCOL.md §11.5: a revocation is enforced on another deployment within a poll interval plus a run. */
const REVOCATION_BOUND_MS = 2 * PROXY_B_CRON_MS + 5_000;

let world: AgentWorld<FederatedStack>;
let proxyA: ProxyIdentity;

const newSeed = () => generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }).d ?? "";

beforeAll(async () => {
  world = await createAgentWorld<FederatedStack>({
    name: "e2e-federation-refusals",
    startStack: (name) => startFederatedStack({ name, proxyB: { cronIntervalMs: PROXY_B_CRON_MS } }),
    afterBootstrap: (stack) => stack.waitUntilProxiesRegistered(),
    agents: ["alice", "carol", "dave", "bob"],
    createArgs: (name, stack) => (name === "bob" ? ["--proxy-url", stack.proxyB.proxyUrl] : []),
    pair: false,
  });
  const seed = world.stack.secrets.proxySigningKey;
  if (!seed) throw new Error("proxy A has no signing key");
  proxyA = { origin: world.stack.proxyUrl, seed };
  await waitFor("bob at home on proxy B", async () => {
    return (await resolveHomeProxy(world.stack.registryUrl, world.agent("bob").did)) === world.stack.proxyB.proxyUrl;
  });
}, 240_000);

afterAll(async () => {
  await world?.dispose();
});

/** A message from alice (on A) to bob (on B), with alice's real AIT and proof. */
const aliceToBob = (proofFor?: Parameters<typeof createFederationMessage>[0]["proofFor"]) =>
  createFederationMessage({
    sender: readAgentIdentity(world.home, "alice"),
    senderDid: world.agent("alice").did,
    recipientDid: world.agent("bob").did,
    payload: { text: "forwarded" },
    ...(proofFor ? { proofFor } : {}),
  });

describe("proxy B refuses what proxy A did not send or alice did not sign (PROTOCOL.md §11.2, §11.4, §11.8)", () => {
  it("proxy A's own signature over alice's message passes proxy checks; the message is judged on its own", async () => {
    const message = await aliceToBob();
    const answer = await postFederationMessages(world.stack.proxyB.proxyUrl, proxyA, [message]);
    expect(answer.status).toBe(200);
    // alice and bob are not paired here: B's session for bob refuses an untrusted sender.
    expect(answer.results).toEqual([
      expect.objectContaining({ messageId: message.messageId, outcome: "refused", code: "PROXY_SENDER_NOT_TRUSTED" }),
    ]);
  });

  it("a forged proxy signature: proxy A's kid and origin, another key → 401 INVALID_SIGNATURE", async () => {
    const forged = { origin: proxyA.origin, seed: newSeed(), kid: toProxyKey(proxyA).kid };
    const answer = await postFederationMessages(world.stack.proxyB.proxyUrl, forged, [await aliceToBob()]);
    expect(answer).toEqual({ status: 401, code: "PROXY_FEDERATION_INVALID_SIGNATURE" });
  });

  it("an unknown proxy: a key the registry never registered → 401 UNKNOWN_PROXY", async () => {
    const unknown = { origin: "http://127.0.0.1:9", seed: newSeed() };
    const answer = await postFederationMessages(world.stack.proxyB.proxyUrl, unknown, [await aliceToBob()]);
    expect(answer).toEqual({ status: 401, code: "PROXY_FEDERATION_UNKNOWN_PROXY" });
  });

  it("a revoked proxy: registered by the operator, then revoked → 401 PROXY_REVOKED", async () => {
    const revoked = { origin: "http://127.0.0.1:10", seed: newSeed() };
    const token = readOwnerToken(world.home);
    await manageProxyKey(world.stack.registryUrl, token, "register", toProxyKey(revoked));
    await manageProxyKey(world.stack.registryUrl, token, "revoke", toProxyKey(revoked));
    const answer = await postFederationMessages(world.stack.proxyB.proxyUrl, revoked, [await aliceToBob()]);
    expect(answer).toEqual({ status: 401, code: "PROXY_FEDERATION_PROXY_REVOKED" });
  });

  it("proxy A replaying alice's message to another recipient, as another sender or with another id → refused", async () => {
    const carol = world.agent("carol");
    const replays = [
      // alice signed it for carol; A re-addresses it to bob.
      await aliceToBob({ recipientDid: carol.did }),
      // alice signed another message; A reuses the proof under a new messageId.
      await aliceToBob({ messageId: (await aliceToBob()).messageId }),
    ];
    // alice's AIT and proof, presented as carol's message.
    const asCarol = { ...(await aliceToBob()), senderAgentDid: carol.did };
    const answer = await postFederationMessages(world.stack.proxyB.proxyUrl, proxyA, [...replays, asCarol]);
    expect(answer.status).toBe(200);
    expect(answer.results?.map((result) => [result.outcome, result.code])).toEqual([
      ["refused", "PROXY_MESSAGE_PROOF_INVALID"],
      ["refused", "PROXY_MESSAGE_PROOF_INVALID"],
      ["refused", "PROXY_MESSAGE_PROOF_INVALID"],
    ]);
    expect(world.agent("bob").webhook.deliveries).toEqual([]);
  });
});

describe("a revocation at the registry reaches proxy B through the event feed (PROTOCOL.md §11.5)", () => {
  it("dave, revoked on A's registry, is refused by B within a poll interval plus a run", async () => {
    const dave = readAgentIdentity(world.home, "dave");
    const proxyB = world.stack.proxyB.proxyUrl;
    expect(await callProxyAs(proxyB, dave)).toEqual({ status: 200 });

    await world.cli.ok("agent", "revoke", "dave", "--yes");
    const revokedAt = Date.now();
    await waitFor(
      "dave's signed request refused by proxy B",
      async () => {
        const answer = await callProxyAs(proxyB, dave);
        return answer.status === 401 && answer.code === "PROXY_AUTH_AGENT_REVOKED";
      },
      { timeoutMs: REVOCATION_BOUND_MS, intervalMs: 100 },
    );
    const elapsedMs = Date.now() - revokedAt;
    console.log(
      `revocation enforced on proxy B ${elapsedMs} ms after the registry answered (B polls every ${PROXY_B_CRON_MS} ms)`,
    );

    // A forwarded message of dave's, signed by proxy A, is refused on the same grounds.
    const message = await createFederationMessage({
      sender: dave,
      senderDid: world.agent("dave").did,
      recipientDid: world.agent("bob").did,
      payload: { text: "after revocation" },
    });
    const answer = await postFederationMessages(proxyB, proxyA, [message]);
    expect(answer.results).toEqual([expect.objectContaining({ outcome: "refused", code: "PROXY_AUTH_AGENT_REVOKED" })]);
  });
});
