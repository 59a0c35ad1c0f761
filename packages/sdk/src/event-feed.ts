import { EVENT_FEED_TYPE, type EventFeedClaims, eventFeedClaimsSchema } from "@clawdentity/protocol";
import { ClawAuthError } from "./auth-error";
import { type SigningKeyResolver, signCompactJws, verifyCompactJws } from "./jws";

/** One page of the registry's event feed, signed like the CRL (PROTOCOL.md §11.5). */
export async function signEventFeed(input: {
  claims: EventFeedClaims;
  kid: string;
  privateKey: CryptoKey;
}): Promise<string> {
  const claims = eventFeedClaimsSchema.parse(input.claims);
  return signCompactJws({ claims, typ: EVENT_FEED_TYPE, kid: input.kid, privateKey: input.privateKey });
}

export async function verifyEventFeed(input: {
  token: string;
  keys: SigningKeyResolver;
  nowSeconds: number;
  issuer?: string;
}): Promise<EventFeedClaims> {
  const payload = await verifyCompactJws({ ...input, typ: EVENT_FEED_TYPE });
  const parsed = eventFeedClaimsSchema.safeParse(payload);
  if (!parsed.success) {
    throw new ClawAuthError(
      "INVALID_AIT",
      `event feed claims invalid: ${parsed.error.issues[0]?.message ?? "unknown"}`,
    );
  }
  return parsed.data;
}
