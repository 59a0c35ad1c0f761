import {
  type Clock,
  type Ed25519KeyPair,
  importEd25519Seed,
  signProxyRequest,
  toNowSeconds,
  toProxyKid,
} from "@clawdentity/sdk";
import type { FederationSettings } from "../config";

export interface ProxySigner {
  origin: string;
  kid(): Promise<string>;
  /** The headers of a request from this proxy to `url`, whose origin is the audience (PROTOCOL.md §11.2). */
  sign(input: { method: string; url: string; body: string; audience: string }): Promise<Record<string, string>>;
}

/** This proxy's own key, imported once; null when federation is off (local development without a key). */
export function createProxySigner(settings: FederationSettings, clock: Clock): ProxySigner | null {
  const seed = settings.signingKey;
  if (!seed) return null;
  let keyPair: Promise<Ed25519KeyPair> | undefined;
  let kid: Promise<string> | undefined;
  const load = () => {
    keyPair ??= importEd25519Seed(seed);
    return keyPair;
  };
  const loadKid = () => {
    kid ??= load().then((pair) => toProxyKid(pair.publicKey));
    return kid;
  };
  return {
    origin: settings.origin,
    kid: loadKid,
    async sign({ method, url, body, audience }) {
      const parsed = new URL(url);
      return signProxyRequest({
        method,
        pathWithQuery: `${parsed.pathname}${parsed.search}`,
        body,
        audience,
        origin: settings.origin,
        kid: await loadKid(),
        privateKey: (await load()).privateKey,
        timestampSeconds: toNowSeconds(clock),
      });
    },
  };
}
