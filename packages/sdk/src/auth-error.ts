import type { AuthFailureReason } from "@clawdentity/protocol";

/**
 * A refused signed request; apps map `reason` to their `<COMPONENT>_AUTH_<reason>` code and answer
 * `details` (when given) in the error envelope.
 */
export class ClawAuthError extends Error {
  override readonly name = "ClawAuthError";
  constructor(
    readonly reason: AuthFailureReason,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
