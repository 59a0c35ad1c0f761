import { CLAW_HEADERS, type ErrorCode, toErrorEnvelope } from "@clawdentity/protocol";
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError } from "zod";
import { ClawAuthError } from "../auth-error";
import { ProxyAuthError } from "../federation-signing";
import { createUlid } from "../ids";
import { AppError } from "./app-error";

/** The codes one component uses for failures the shared handler classifies itself. */
export interface ErrorCodeSet {
  badRequest: ErrorCode;
  validation: ErrorCode;
  payloadTooLarge: ErrorCode;
  notFound: ErrorCode;
  internal: ErrorCode;
  /** Prefix for ClawAuthError reasons, such as `PROXY_AUTH_`. */
  authPrefix: string;
  /** Prefix for ProxyAuthError reasons (PROTOCOL.md §11.2); components that take no proxy-signed request omit it. */
  proxyAuthPrefix?: string;
}

export interface ErrorHandlerOptions {
  codes: ErrorCodeSet;
  /** Called for errors that become a 500, for logging. */
  onUnexpected?: (error: unknown, c: Context) => void;
}

function render(c: Context, status: ContentfulStatusCode, code: ErrorCode, message: string, details?: unknown) {
  const requestId = c.get("requestId") ?? createUlid();
  c.header(CLAW_HEADERS.requestId, requestId);
  return c.json(toErrorEnvelope({ code, message, requestId, details }), status);
}

/** Maps every thrown error to the PROTOCOL.md §7 envelope; only a real bug is a 500. */
export function createErrorHandler(options: ErrorHandlerOptions): ErrorHandler {
  const { codes, onUnexpected = (error) => console.error("unhandled error", error) } = options;
  return function handleError(error, c) {
    if (error instanceof AppError) {
      for (const [name, value] of Object.entries(error.headers ?? {})) c.header(name, value);
      return render(c, error.status, error.code, error.message, error.details);
    }
    if (error instanceof ClawAuthError) {
      const status = error.reason === "KEYS_UNAVAILABLE" || error.reason === "CRL_UNAVAILABLE" ? 503 : 401;
      return render(c, status, `${codes.authPrefix}${error.reason}` as ErrorCode, error.message, error.details);
    }
    if (error instanceof ProxyAuthError && codes.proxyAuthPrefix) {
      const status = error.reason === "PROXY_KEYS_UNAVAILABLE" ? 503 : 401;
      return render(c, status, `${codes.proxyAuthPrefix}${error.reason}` as ErrorCode, error.message);
    }
    if (error instanceof ZodError) {
      const details = error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
      return render(c, 400, codes.validation, "request failed validation", details);
    }
    if (error instanceof SyntaxError) return render(c, 400, codes.badRequest, "body is not valid JSON");
    if (error instanceof HTTPException) {
      if (error.status === 413) return render(c, 413, codes.payloadTooLarge, "payload too large");
      if (error.status < 500) return render(c, error.status as ContentfulStatusCode, codes.badRequest, error.message);
    }
    onUnexpected(error, c);
    return render(c, 500, codes.internal, "internal error");
  };
}

export function createNotFoundHandler(code: ErrorCode): NotFoundHandler {
  return function handleNotFound(c) {
    return render(c, 404, code, `no route for ${c.req.method} ${c.req.path}`);
  };
}
