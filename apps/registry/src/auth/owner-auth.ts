import { PERSONAL_ACCESS_TOKEN_PREFIX } from "@clawdentity/protocol";
import type { Clock } from "@clawdentity/sdk";
import { AppError } from "@clawdentity/sdk/http";
import type { MiddlewareHandler } from "hono";
import { findTokenWithOwner, type OwnerRow, touchToken } from "../db";
import { isSecretTokenMatch, parseSecretTokenId } from "./secret-token";

export interface AuthenticatedOwner {
  owner: OwnerRow;
  tokenId: string;
}

declare module "hono" {
  interface ContextVariableMap {
    auth: AuthenticatedOwner;
  }
}

const LAST_USED_GRANULARITY_MS = 60_000;

function unauthorized(message: string): AppError {
  return new AppError("REGISTRY_UNAUTHORIZED", 401, message, undefined, { "www-authenticate": "Bearer" });
}

/** `Authorization: Bearer <personal access token>`; every failure is the same 401 code. */
export function createOwnerAuthMiddleware(options: { db: D1Database; clock: Clock }): MiddlewareHandler {
  const { db, clock } = options;
  return async function ownerAuth(c, next) {
    const header = c.req.header("authorization");
    if (!header) throw unauthorized("Authorization: Bearer <personal access token> is required");
    const match = /^Bearer +(\S+)$/i.exec(header.trim());
    const value = match?.[1];
    const tokenId = value ? parseSecretTokenId(value, PERSONAL_ACCESS_TOKEN_PREFIX) : null;
    if (!value || !tokenId) throw unauthorized("Authorization must be `Bearer <personal access token>`");

    const found = await findTokenWithOwner(db, tokenId);
    if (!found || !(await isSecretTokenMatch(value, found.token.token_hash))) {
      throw unauthorized("unknown personal access token");
    }
    const nowMs = clock.nowMs();
    if (found.token.revoked_at !== null) throw unauthorized("personal access token was revoked");
    if (found.token.expires_at !== null && found.token.expires_at <= nowMs) {
      throw unauthorized("personal access token has expired");
    }
    await touchToken(db, { id: tokenId, nowMs, granularityMs: LAST_USED_GRANULARITY_MS });
    c.set("auth", { owner: found.owner, tokenId });
    await next();
  };
}

export function createAdminOnlyMiddleware(): MiddlewareHandler {
  return async function adminOnly(c, next) {
    if (c.get("auth").owner.role !== "admin") throw new AppError("REGISTRY_FORBIDDEN", 403, "admin role required");
    await next();
  };
}
