import type { ErrorCode } from "@clawdentity/protocol";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The one error class of every HTTP edge: domain code throws it, `onError` renders the envelope. */
export class AppError extends Error {
  override readonly name = "AppError";
  constructor(
    readonly code: ErrorCode,
    readonly status: ContentfulStatusCode,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, such as `Retry-After`. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}
