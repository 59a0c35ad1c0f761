import {
  AGENT_REVOCATION_REASONS,
  type AitClaims,
  CLAW_PROOF_MAX_SKEW_SECONDS,
  RENEWAL_RECOVERY_SECONDS,
} from "@clawdentity/protocol";
import { ClawAuthError, type SigningKeyResolver, toNowSeconds } from "@clawdentity/sdk";
import { readVerifiedClawRequest } from "@clawdentity/sdk/http";
import type { MiddlewareHandler } from "hono";
import type { RegistryContext } from "../context";
import { type AgentView, findAgentView, findRevocation, hasRevocationOtherThan, spendAgentNonce } from "../db";
import { REGISTRY_MAX_BODY_BYTES } from "../http";

/**
 * An agent that proved it holds the key of its own AIT: `current` (unrevoked), or `renewed` when a
 * renewal replaced it less than `RENEWAL_RECOVERY_SECONDS` ago (only the renewal route serves
 * that, with the AIT that replaced it).
 */
export interface AuthenticatedAgent {
  agent: AgentView;
  claims: AitClaims;
  standing: "current" | "renewed";
  nonce: string;
  /** The raw body the proof covered, read once. */
  body: Uint8Array;
}

declare module "hono" {
  interface ContextVariableMap {
    agentAuth: AuthenticatedAgent;
  }
}

/** The registry's own active keys: an AIT another registry signed names a kid unknown here. */
export function createOwnKeysResolver(context: RegistryContext): SigningKeyResolver {
  return {
    async resolveKey(kid) {
      const { keys } = await context.signer.toKeysDocument();
      const key = keys.find((entry) => entry.kid === kid && entry.status === "active");
      if (!key) throw new ClawAuthError("UNKNOWN_KID", "the AIT was not signed by this registry");
      return key.x;
    },
  };
}

/**
 * PROTOCOL.md §2 on the registry's agent routes, in the proxy's order: header checks before the
 * body is read, the AIT against this registry's keys and issuer, body hash and proof, then the
 * registry's own records (the agent active, this `jti` its current AIT and not revoked, or renewed
 * away from moments ago), and last the nonce, spent once in D1 so a replay is refused on every
 * instance. Failures are `REGISTRY_AUTH_<reason>`.
 */
export function createAgentAuthMiddleware(context: RegistryContext): MiddlewareHandler {
  const { db, clock, config } = context;
  const keys = createOwnKeysResolver(context);
  return async function agentAuth(c, next) {
    const verified = await readVerifiedClawRequest(c, {
      keys,
      nowSeconds: () => toNowSeconds(clock),
      issuer: config.issuerUrl,
      body: { maxBytes: REGISTRY_MAX_BODY_BYTES, tooLargeCode: "REGISTRY_PAYLOAD_TOO_LARGE" },
    });
    const { claims, body } = verified;
    const agent = await findAgentView(db, { did: claims.sub });
    // Signed by this registry, so the agent exists; a wiped database is the only way it would not.
    if (!agent) throw new ClawAuthError("INVALID_AIT", "the AIT's agent is unknown here");
    if (agent.status === "revoked") throw new ClawAuthError("AGENT_REVOKED", "the agent is revoked");
    const nowMs = clock.nowMs();
    const revocation = await findRevocation(db, claims.jti);
    let standing: AuthenticatedAgent["standing"] = "current";
    if (agent.current_jti !== claims.jti || revocation) {
      const { renewed } = AGENT_REVOCATION_REASONS;
      // Only renewals since: an owner's reissue in between ends the recovery.
      const recoverable =
        revocation?.reason === renewed &&
        revocation.revoked_at > nowMs - RENEWAL_RECOVERY_SECONDS * 1000 &&
        !(await hasRevocationOtherThan(db, { agentId: agent.id, sinceMs: revocation.revoked_at, reason: renewed }));
      if (!recoverable) throw new ClawAuthError("AGENT_REVOKED", "the AIT was revoked or replaced by a newer one");
      standing = "renewed";
    }
    // Acceptable until the end of second ts + skew, like the proxy's window (PROTOCOL.md §2.3).
    const expiresAtMs = (verified.timestampSeconds + CLAW_PROOF_MAX_SKEW_SECONDS + 1) * 1000;
    if (!(await spendAgentNonce(db, { agentDid: agent.did, nonce: verified.nonce, expiresAtMs, nowMs }))) {
      throw new ClawAuthError("REPLAYED_NONCE", "nonce was already used");
    }
    c.set("agentAuth", { agent, claims, standing, nonce: verified.nonce, body });
    await next();
  };
}
