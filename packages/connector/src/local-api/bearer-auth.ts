import { createHash, timingSafeEqual } from "node:crypto";
import { AppError } from "@clawdentity/sdk/http";
import type { MiddlewareHandler } from "hono";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Requires `Authorization: Bearer <token>`; compared in constant time over fixed-length digests. */
export function createBearerAuthMiddleware(token: string): MiddlewareHandler {
  if (token.length < 32) throw new Error("local API token must be at least 32 characters");
  const expected = digest(token);
  return async function bearerAuth(c, next) {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      throw new AppError("CONNECTOR_UNAUTHORIZED", 401, "a valid bearer token is required", undefined, {
        "WWW-Authenticate": 'Bearer realm="clawdentity-connector"',
      });
    }
    await next();
  };
}
