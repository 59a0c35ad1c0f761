import { type HomeAttestationRequest, type HomeAttestationResponse, RELAY_PATHS } from "@clawdentity/protocol";
import { ClawAuthError, toNowSeconds, verifySignedAgentRequest } from "@clawdentity/sdk";
import { createOwnKeysResolver } from "../auth";
import type { RegistryContext } from "../context";
import { findAgentView, findRevocation, recordHomeProxy } from "../db";

/** The agent's own signed connect, checked like PROTOCOL.md §2.2 steps 1–5; its nonce was the proxy's to spend. */
async function verifySignedConnect(context: RegistryContext, connect: HomeAttestationRequest["connect"]) {
  const path = connect.pathWithQuery.split("?", 1)[0];
  if (path !== RELAY_PATHS.connect) throw new ClawAuthError("INVALID_PROOF", "the attested request is not a connect");
  return verifySignedAgentRequest({
    method: "GET",
    request: connect,
    body: null,
    keys: createOwnKeysResolver(context),
    nowSeconds: toNowSeconds(context.clock),
    issuer: context.config.issuerUrl,
  });
}

/**
 * PROTOCOL.md §11.3: a proxy attests that an agent's connector has just connected to it, with the
 * agent's own signed connect as evidence. The latest connect wins, so an agent moves by connecting
 * elsewhere, and an old or replayed attestation never moves it back.
 */
export async function attestHome(
  context: RegistryContext,
  input: { proxy: { kid: string; origin: string }; request: HomeAttestationRequest },
): Promise<HomeAttestationResponse> {
  const { db } = context;
  const { claims, timestampSeconds } = await verifySignedConnect(context, input.request.connect);
  const agent = await findAgentView(db, { did: claims.sub });
  if (!agent || agent.status === "revoked") throw new ClawAuthError("AGENT_REVOKED", "the agent is revoked");
  if (agent.current_jti !== claims.jti || (await findRevocation(db, claims.jti))) {
    throw new ClawAuthError("AGENT_REVOKED", "the AIT was revoked or replaced by a newer one");
  }
  const recorded = await recordHomeProxy(db, {
    agentId: agent.id,
    kid: input.proxy.kid,
    connectedAt: timestampSeconds,
  });
  const previous =
    agent.home_origin && agent.home_proxy_kid ? { origin: agent.home_origin, kid: agent.home_proxy_kid } : null;
  if (recorded || !previous) {
    return {
      homeProxy: { origin: input.proxy.origin, kid: input.proxy.kid },
      changed: previous?.kid !== input.proxy.kid,
    };
  }
  return { homeProxy: previous, changed: false };
}
