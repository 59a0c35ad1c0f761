import { type AitClaims, aitClaimsSchema } from "@clawdentity/protocol";
import { decodeBase64url } from "@clawdentity/sdk";

/**
 * The claims of the agent's own AIT, read without verifying (the CLI only shows them; every
 * verifier checks the signature). Null when the token is not a readable AIT.
 */
export function toAitClaims(ait: string): AitClaims | null {
  const payload = ait.split(".")[1];
  if (!payload) return null;
  try {
    const parsed = aitClaimsSchema.safeParse(JSON.parse(new TextDecoder().decode(decodeBase64url(payload))));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
