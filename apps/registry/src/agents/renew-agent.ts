import {
  AGENT_REVOCATION_REASONS,
  type AgentRenewalRequest,
  type AgentWithAitResponse,
  AIT_MIN_TTL_SECONDS,
  toKeyRotationText,
} from "@clawdentity/protocol";
import { ClawAuthError, createUlid, encodeUtf8, verifyEd25519 } from "@clawdentity/sdk";
import { AppError } from "@clawdentity/sdk/http";
import type { AuthenticatedAgent } from "../auth";
import type { RegistryContext } from "../context";
import {
  type AgentView,
  agentChangedGuard,
  findAgentView,
  isAgentKeyTaken,
  toAgent,
  toAgentRenewal,
  toChangedRows,
  toRenewableUntil,
  toRetiredKeyInsert,
  toTtlSeconds,
} from "../db";
import { issueAit } from "./issue-ait";
import { createPendingRevocation } from "./record-revocation";

/** The owner's policy allows a renewal now: how long the new AIT may live, or why not. */
function toRenewalLifetimeMs(agent: AgentView, nowMs: number): number {
  if (agent.self_renewal !== 1) {
    throw new AppError("REGISTRY_RENEWAL_DISABLED", 403, "the owner does not allow this agent to renew itself");
  }
  const remainingMs = toRenewableUntil(agent) - nowMs;
  if (remainingMs < AIT_MIN_TTL_SECONDS * 1000) {
    throw new AppError(
      "REGISTRY_RENEWAL_LIFETIME_EXCEEDED",
      403,
      `the agent reached its maximum lifetime of ${agent.max_lifetime_days} days; its owner must reissue it`,
    );
  }
  return Math.min(toTtlSeconds(agent) * 1000, remainingMs);
}

/** The key the new AIT names: the current one, or a new one that proved possession for this request. */
async function resolveRenewalKey(
  context: RegistryContext,
  auth: AuthenticatedAgent,
  request: AgentRenewalRequest,
): Promise<string> {
  const { newKey } = request;
  if (!newKey || newKey.publicKey === auth.agent.public_key) return auth.agent.public_key;
  const text = toKeyRotationText({
    agentDid: auth.agent.did,
    jti: auth.claims.jti,
    nonce: auth.nonce,
    publicKey: newKey.publicKey,
  });
  if (!(await verifyEd25519(newKey.publicKey, newKey.proof, encodeUtf8(text)))) {
    throw new AppError("REGISTRY_KEY_PROOF_INVALID", 400, "newKey.proof does not verify with newKey.publicKey");
  }
  if (await isAgentKeyTaken(context.db, newKey.publicKey)) {
    throw new AppError("REGISTRY_AGENT_KEY_IN_USE", 409, "that public key already belongs to an agent");
  }
  return newKey.publicKey;
}

/** The batch's agent update changed nothing: the precise reason, read again. */
async function toRenewalConflict(
  context: RegistryContext,
  input: { auth: AuthenticatedAgent; publicKey: string; nowMs: number },
): Promise<Error> {
  const { auth, publicKey, nowMs } = input;
  const current = await findAgentView(context.db, { id: auth.agent.id });
  if (!current || current.status === "revoked") return new ClawAuthError("AGENT_REVOKED", "the agent is revoked");
  if (current.current_jti !== auth.claims.jti) {
    return new ClawAuthError("AGENT_REVOKED", "the AIT was revoked or replaced by a newer one");
  }
  try {
    toRenewalLifetimeMs(current, nowMs);
  } catch (error) {
    return error as Error;
  }
  if (publicKey !== auth.agent.public_key && (await isAgentKeyTaken(context.db, publicKey))) {
    return new AppError("REGISTRY_AGENT_KEY_IN_USE", 409, "that public key already belongs to an agent");
  }
  return new AppError("REGISTRY_AGENT_CONFLICT", 409, "the agent changed while renewing; retry");
}

const isKeyConstraint = (error: unknown) => String(error).includes("UNIQUE constraint failed");

/**
 * An agent renews its own, still valid AIT: a new AIT for the same DID (same key, or a new key
 * that proved possession), the old `jti` revoked with reason `renewed` and announced, all in one
 * D1 batch. The owner's policy decides whether and until when; a revoked agent never renews.
 */
export async function renewAgent(
  context: RegistryContext,
  input: { auth: AuthenticatedAgent; request: AgentRenewalRequest },
): Promise<AgentWithAitResponse> {
  const { db, clock } = context;
  const { auth, request } = input;
  const { agent } = auth;
  // The AIT was renewed away from moments ago and the agent asks again: its answer was lost.
  if (auth.standing === "renewed" && agent.current_ait) return { agent: toAgent(agent), ait: agent.current_ait };
  const nowMs = clock.nowMs();
  const lifetimeMs = toRenewalLifetimeMs(agent, nowMs);
  const publicKey = await resolveRenewalKey(context, auth, request);

  const jti = createUlid(nowMs);
  const subject = {
    did: agent.did,
    ownerDid: agent.owner_did,
    name: agent.name,
    framework: agent.framework,
    publicKey,
  };
  const ttlSeconds = Math.floor(lifetimeMs / 1000);
  const { ait, expiresAtMs } = await issueAit(context, { subject, jti, ttlSeconds, nowMs });
  const revocation = createPendingRevocation(context, {
    agent,
    jti: agent.current_jti,
    reason: AGENT_REVOCATION_REASONS.renewed,
    changeId: jti,
    initiatedBy: agent.did,
    nowMs,
  });
  const rotated = publicKey !== agent.public_key;
  const guard = agentChangedGuard(agent.id, jti);
  const statements = [
    toAgentRenewal(db, {
      id: agent.id,
      oldJti: agent.current_jti,
      newJti: jti,
      ait,
      publicKey,
      aitExpiresAt: expiresAtMs,
      maxLifetimeDays: agent.max_lifetime_days,
      changeId: jti,
      nowMs,
    }),
    ...revocation.statements,
    ...(rotated
      ? [toRetiredKeyInsert(db, { public_key: agent.public_key, agent_id: agent.id, retired_at: nowMs }, guard)]
      : []),
  ];
  const [update] = await db.batch(statements).catch((error: unknown) => {
    if (isKeyConstraint(error)) throw new AppError("REGISTRY_AGENT_KEY_IN_USE", 409, "that public key is taken");
    throw error;
  });
  if (toChangedRows(update) === 0) throw await toRenewalConflict(context, { auth, publicKey, nowMs });
  await revocation.publish();
  const updated = {
    ...agent,
    current_jti: jti,
    current_ait: ait,
    public_key: publicKey,
    ait_expires_at: expiresAtMs,
    change_id: jti,
    updated_at: nowMs,
  };
  return { agent: toAgent(updated), ait };
}
