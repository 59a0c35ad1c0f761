import { CLAW_HEADERS, CLAW_PROOF_MAX_SKEW_SECONDS } from "@clawdentity/protocol";
import { ClawAuthError, type Clock, toNowSeconds } from "@clawdentity/sdk";
import { AppError, readVerifiedClawRequest } from "@clawdentity/sdk/http";
import type { MiddlewareHandler } from "hono";
import type { ProxyEnv } from "../app-env";
import type { ProxyConfig } from "../config";
import { senderSessionCalls } from "../relay-sessions";
import type { AdmissionInput } from "../session";
import type { RegistryClient } from "./registry-client";

export interface AuthMiddlewareOptions {
  config: ProxyConfig;
  clock: Clock;
  registry: (env: Env) => RegistryClient;
  /** Largest body this route reads (it is hashed before anything else looks at it). */
  maxBodyBytes: number;
  /** Relayed messages: each takes a token of the sender's rate (across all its recipients). */
  rateLimited?: boolean;
  /** A batch of relayed messages: how many tokens this body wants (throws on a body it cannot read). */
  rateTokens?: (body: Uint8Array) => number;
}

/**
 * PROTOCOL.md §2 on every agent route: the cheap header checks before the body is read (streamed, with
 * a hard limit), then the AIT against the registry's cached keys, proof and body hash,
 * the cached signed CRL as a safety net, then one call to the sender's own relay session that
 * records the nonce, checks revocation and applies the sender's rate limit, atomically.
 */
export function createAuthMiddleware(options: AuthMiddlewareOptions): MiddlewareHandler<ProxyEnv> {
  const { config, clock, registry, maxBodyBytes, rateLimited = false, rateTokens } = options;
  if (maxBodyBytes <= 0) throw new TypeError("maxBodyBytes must be positive");

  return async function authenticateAgent(c, next) {
    const { keys, aits, crl } = registry(c.env);
    // Scheme, AIT shape, headers and timestamp first: a request failing them is refused unread.
    const verified = await readVerifiedClawRequest(c, {
      keys,
      aitCache: aits,
      nowSeconds: () => toNowSeconds(clock),
      issuer: config.registryIssuer,
      body: { maxBytes: maxBodyBytes, tooLargeCode: "PROXY_PAYLOAD_TOO_LARGE" },
    });
    const { body } = verified;
    const { sub: agentDid, jti } = verified.claims;
    const listed = await crl.findRevocation(jti);
    if (listed) {
      // The reason tells a client whether only this AIT was replaced (`reissued`, `renewed`) or the agent is gone.
      const details = listed.reason ? { reason: listed.reason } : undefined;
      throw new ClawAuthError("AGENT_REVOKED", "the AIT is on the registry's revocation list", details);
    }

    const tokens = rateTokens ? rateTokens(body) : rateLimited ? 1 : 0;
    const admissionInput: AdmissionInput = {
      agentDid,
      jti,
      nonce: verified.nonce,
      // The window is checked in whole seconds, so a request stays acceptable until the END of
      // second ts + skew: its nonce must be kept at least that long.
      nonceExpiresAtMs: (verified.timestampSeconds + CLAW_PROOF_MAX_SKEW_SECONDS + 1) * 1000,
      rateLimited: tokens > 0,
      ...(tokens > 1 ? { rateTokens: tokens } : {}),
    };
    const waitUntil = (work: Promise<unknown>) => c.executionCtx.waitUntil(work);
    const [admission] = await senderSessionCalls.submit(c.env, agentDid, [{ admission: admissionInput }], waitUntil);
    if (!admission) throw new Error("no admission result");
    if (!admission.ok) {
      switch (admission.reason) {
        case "RATE_LIMITED":
          throw new AppError("PROXY_RATE_LIMITED", 429, "sender rate limit reached", undefined, {
            [CLAW_HEADERS.retryAfter]: String(admission.retryAfterSeconds),
          });
        case "AGENT_REVOKED":
          throw new ClawAuthError("AGENT_REVOKED", `the agent is revoked (${admission.revocationReason})`, {
            reason: admission.revocationReason,
          });
        case "REPLAYED_NONCE":
          throw new ClawAuthError("REPLAYED_NONCE", "nonce was already used");
      }
    }
    c.set("agent", { did: agentDid, jti, claims: verified.claims });
    c.set("rawBody", body);
    c.set(
      "rateShortfall",
      admission.granted === undefined
        ? null
        : { granted: admission.granted, retryAfterSeconds: admission.retryAfterSeconds ?? 1 },
    );
    await next();
  };
}
