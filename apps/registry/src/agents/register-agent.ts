import {
  AGENT_RENEWAL_DEFAULTS,
  type AgentRegistrationRequest,
  type AgentWithAitResponse,
  AIT_DEFAULT_TTL_DAYS,
  formatDid,
  toAgentRegistrationText,
} from "@clawdentity/protocol";
import { createUlid, encodeUtf8, verifyEd25519 } from "@clawdentity/sdk";
import { AppError } from "@clawdentity/sdk/http";
import type { RegistryContext } from "../context";
import {
  type AgentRow,
  type ChallengeRow,
  challengeSpentOnGuard,
  findAgentConflict,
  findChallenge,
  type OwnerRow,
  toAgent,
  toAgentInsert,
  toChallengeConsumption,
  toChangedRows,
} from "../db";
import { issueAit } from "./issue-ait";

/** Every check a registration must pass before anything is written; each failure has its own code. */
async function checkChallenge(
  context: RegistryContext,
  input: { owner: OwnerRow; request: AgentRegistrationRequest },
): Promise<ChallengeRow> {
  const { request, owner } = input;
  const challenge = await findChallenge(context.db, request.challengeId);
  // Another owner's challenge is reported as missing.
  if (!challenge || challenge.owner_id !== owner.id) {
    throw new AppError("REGISTRY_CHALLENGE_NOT_FOUND", 404, "registration challenge not found");
  }
  if (challenge.used_at !== null) throw new AppError("REGISTRY_CHALLENGE_USED", 409, "challenge was already used");
  if (challenge.expires_at <= context.clock.nowMs()) {
    throw new AppError("REGISTRY_CHALLENGE_EXPIRED", 410, "challenge has expired; request a new one");
  }
  if (challenge.public_key !== request.publicKey) {
    throw new AppError(
      "REGISTRY_CHALLENGE_KEY_MISMATCH",
      400,
      "publicKey differs from the key the challenge was issued for",
    );
  }
  const text = toAgentRegistrationText({
    challengeId: challenge.id,
    nonce: challenge.nonce,
    ownerDid: owner.did,
    publicKey: request.publicKey,
    name: request.name,
  });
  if (!(await verifyEd25519(request.publicKey, request.challengeSignature, encodeUtf8(text)))) {
    throw new AppError(
      "REGISTRY_CHALLENGE_SIGNATURE_INVALID",
      400,
      "challengeSignature does not verify with publicKey",
    );
  }
  return challenge;
}

function toConflictError(conflict: "name" | "key"): AppError {
  return conflict === "name"
    ? new AppError("REGISTRY_AGENT_NAME_TAKEN", 409, "an active agent of this owner already has that name")
    : new AppError("REGISTRY_AGENT_KEY_IN_USE", 409, "that public key already belongs to an agent");
}

/** A unique index refused the insert: someone registered the same name or key concurrently. */
function toConstraintConflict(error: unknown): AppError | null {
  const message = String(error);
  if (!message.includes("UNIQUE constraint failed")) return null;
  return toConflictError(message.includes("public_key") ? "key" : "name");
}

/** Spends the challenge and creates the agent in one batch, then answers with its first AIT. */
export async function registerAgent(
  context: RegistryContext,
  input: { owner: OwnerRow; request: AgentRegistrationRequest },
): Promise<AgentWithAitResponse> {
  const { db, clock, config } = context;
  const { owner, request } = input;
  const challenge = await checkChallenge(context, input);
  const conflict = await findAgentConflict(db, { ownerId: owner.id, name: request.name, publicKey: request.publicKey });
  if (conflict) throw toConflictError(conflict);

  const nowMs = clock.nowMs();
  const id = createUlid(nowMs);
  const did = formatDid({ authority: config.didAuthority, entity: "agent", id });
  const jti = createUlid(nowMs);
  const ttlSeconds = request.ttlSeconds ?? (request.ttlDays ?? AIT_DEFAULT_TTL_DAYS) * 86_400;
  const subject = {
    did,
    ownerDid: owner.did,
    name: request.name,
    framework: request.framework,
    publicKey: request.publicKey,
  };
  const { ait, expiresAtMs } = await issueAit(context, { subject, jti, ttlSeconds, nowMs });
  const row: AgentRow = {
    id,
    did,
    owner_id: owner.id,
    name: request.name,
    framework: request.framework,
    public_key: request.publicKey,
    status: "active",
    current_jti: jti,
    current_ait: ait,
    ttl_days: Math.floor(ttlSeconds / 86_400),
    ttl_seconds: ttlSeconds,
    ait_expires_at: expiresAtMs,
    self_renewal: (request.selfRenewal ?? AGENT_RENEWAL_DEFAULTS.selfRenewal) ? 1 : 0,
    max_lifetime_days: request.maxLifetimeDays ?? AGENT_RENEWAL_DEFAULTS.maxLifetimeDays,
    lifetime_started_at: nowMs,
    change_id: jti,
    created_at: nowMs,
    updated_at: nowMs,
    revoked_at: null,
    home_proxy_kid: null,
    home_connected_at: null,
  };
  const results = await db
    .batch([
      toChallengeConsumption(db, { id: challenge.id, ownerId: owner.id, agentId: id, nowMs }),
      toAgentInsert(db, row, challengeSpentOnGuard(challenge.id, id)),
    ])
    .catch((error: unknown) => {
      throw toConstraintConflict(error) ?? error;
    });
  if (toChangedRows(results[1]) === 0) {
    throw new AppError("REGISTRY_CHALLENGE_USED", 409, "challenge was used or expired while registering");
  }
  return { agent: toAgent({ ...row, owner_did: owner.did, home_origin: null }), ait };
}
