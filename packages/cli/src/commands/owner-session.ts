import type { OwnerSessionResponse } from "@clawdentity/protocol";
import { saveOwnerSession } from "../config";
import type { CommandResult } from "../output";

/** Result of bootstrap and invite redemption: the API answer, plus where the token was saved. */
export function toOwnerSessionResult(
  home: string,
  session: OwnerSessionResponse,
  options: { save: boolean; verb: string },
): CommandResult {
  const savedTo = options.save ? saveOwnerSession(home, session) : null;
  return {
    json: { ...session, savedTo },
    text: [
      `${options.verb} ${session.owner.role} ${session.owner.did} (${session.owner.displayName})`,
      savedTo ? `token ${session.token.id} saved to ${savedTo}` : `token (shown once, not saved): ${session.secret}`,
    ],
  };
}
