import type { AuthFailureReason } from "@clawdentity/protocol";

/** A refused signed request; apps map `reason` to their `<COMPONENT>_AUTH_<reason>` code. */
export class ClawAuthError extends Error {
  override readonly name = "ClawAuthError";
  constructor(
    readonly reason: AuthFailureReason,
    message: string,
  ) {
    super(message);
  }
}
