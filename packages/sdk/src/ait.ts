import { AIT_TYPE, type AitClaims, aitClaimsSchema } from "@clawdentity/protocol";
import { createSignedDocument, decodeJwsClaims } from "./jws";

const ait = createSignedDocument<AitClaims>(AIT_TYPE, aitClaimsSchema, "AIT");

export const signAit = ait.sign;
/** Verifies an AIT against the registry keys; unknown claims and malformed values are refused. */
export const verifyAit = ait.verify;

/**
 * The claims of an AIT read WITHOUT verifying it: for its holder, who shows or schedules by its
 * own token (every verifier checks the signature). Null when it is not a readable AIT.
 */
export function decodeAitClaims(token: string): AitClaims | null {
  return decodeJwsClaims(token, aitClaimsSchema);
}
