import type { IncomingMessage, ServerResponse } from "node:http";
import { type Agent, agentRenewalRequestSchema, REGISTRY_PATHS, toKeyRotationText } from "@clawdentity/protocol";
import {
  ClawAuthError,
  createMemoryNonceStore,
  createUlid,
  decodeAitClaims,
  encodeUtf8,
  verifyClawRequest,
  verifyEd25519,
} from "@clawdentity/sdk";
import type { FakeAnswer } from "./fake-proxy";
import { readBody, sendJson, startHttpServer } from "./http-server";
import type { TestIdentities } from "./identity";

export interface RenewalCall {
  /** The jti of the AIT the renewal was signed with. */
  jti: string;
  rotated: boolean;
  status: number;
  /** The AIT answered, when one was. */
  ait?: string;
}

export interface FakeRegistry {
  url: string;
  renewals: RenewalCall[];
  /** AITs a renewal replaced, by jti: refused here afterwards, and by a fake proxy told so. */
  replaced: Set<string>;
  /** Answers instead of renewing while set (a policy refusal, an outage); null renews again. */
  respond(answer: FakeAnswer | null): void;
  close(): Promise<void>;
}

const envelope = (code: string) => ({ error: { code, message: code, requestId: "fake" } });

function toAgent(agentDid: string, publicKey: string, ait: string, lifetimeSeconds: number): Agent {
  const claims = decodeAitClaims(ait);
  const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
  const now = claims?.iat ?? 0;
  return {
    id: agentDid.split(":").at(-1) ?? createUlid(),
    did: agentDid,
    ownerDid: claims?.ownerDid ?? "",
    name: claims?.name ?? "agent",
    framework: "test",
    publicKey,
    status: "active",
    currentJti: claims?.jti ?? createUlid(),
    ttlDays: Math.floor(lifetimeSeconds / 86_400),
    ttlSeconds: lifetimeSeconds,
    aitExpiresAt: iso(claims?.exp ?? now),
    renewal: {
      selfRenewal: true,
      maxLifetimeDays: 365,
      lifetimeStartedAt: iso(now),
      renewableUntil: iso(now + 365 * 86_400),
    },
    createdAt: iso(now),
    updatedAt: iso(now),
    revokedAt: null,
  };
}

/**
 * The registry's `POST /v1/agents/renew` as PROTOCOL.md §3 describes it: the Claw signature verified
 * with the sdk (nonces once), the AIT it renews must not have been replaced, a new key must prove
 * itself over `toKeyRotationText`; the answer is a fresh AIT (real time) of `lifetimeSeconds`.
 */
export async function startFakeRegistry(options: {
  ids: TestIdentities;
  lifetimeSeconds: number;
}): Promise<FakeRegistry> {
  const { ids, lifetimeSeconds } = options;
  const nonces = createMemoryNonceStore();
  const renewals: RenewalCall[] = [];
  const replaced = new Set<string>();
  let override: FakeAnswer | null = null;

  const renew = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readBody(request);
    let claims: Awaited<ReturnType<typeof verifyClawRequest>>["claims"];
    let nonce: string;
    try {
      const verified = await verifyClawRequest({
        method: request.method ?? "POST",
        pathWithQuery: request.url ?? "/",
        headers: new Headers(request.headers as Record<string, string>),
        body,
        keys: ids.keys,
        nowSeconds: Math.floor(Date.now() / 1000),
        nonceStore: nonces,
      });
      ({ claims, nonce } = verified);
    } catch (error) {
      const reason = error instanceof ClawAuthError ? error.reason : "INVALID_AIT";
      return sendJson(response, 401, envelope(`REGISTRY_AUTH_${reason}`));
    }
    const { newKey } = agentRenewalRequestSchema.parse(JSON.parse(body || "{}"));
    const call: RenewalCall = { jti: claims.jti, rotated: newKey !== undefined, status: 0 };
    renewals.push(call);
    const answer = (status: number, json: unknown) => {
      call.status = status;
      sendJson(response, status, json);
    };
    if (replaced.has(claims.jti)) return answer(401, envelope("REGISTRY_AUTH_AGENT_REVOKED"));
    if (override) return answer(override.status, override.body);
    if (newKey) {
      const text = toKeyRotationText({ agentDid: claims.sub, jti: claims.jti, nonce, publicKey: newKey.publicKey });
      if (!(await verifyEd25519(newKey.publicKey, newKey.proof, encodeUtf8(text)))) {
        return answer(400, envelope("REGISTRY_KEY_PROOF_INVALID"));
      }
    }
    const publicKey = newKey?.publicKey ?? claims.cnf.jwk.x;
    const ait = await ids.issueAit({
      agentDid: claims.sub,
      publicKey,
      iat: Math.floor(Date.now() / 1000),
      lifetimeSeconds,
    });
    replaced.add(claims.jti);
    call.ait = ait;
    answer(200, { agent: toAgent(claims.sub, publicKey, ait, lifetimeSeconds), ait });
  };

  const server = await startHttpServer((request, response) => {
    if (request.method !== "POST" || request.url !== REGISTRY_PATHS.agentRenew) {
      return sendJson(response, 404, envelope("REGISTRY_NOT_FOUND"));
    }
    renew(request, response).catch((error) => sendJson(response, 500, { error: String(error) }));
  });

  return {
    url: server.url,
    renewals,
    replaced,
    respond(next) {
      override = next;
    },
    close: () => server.close(),
  };
}
