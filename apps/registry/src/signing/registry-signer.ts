import type { AitClaims, CrlClaims, EventFeedClaims, RegistryKey, RegistryKeysDocument } from "@clawdentity/protocol";
import { type Ed25519KeyPair, importEd25519Seed, signAit, signCrl, signEventFeed } from "@clawdentity/sdk";
import type { RegistryConfig } from "../config";

export interface RegistrySigner {
  readonly kid: string;
  signAit(claims: AitClaims): Promise<string>;
  signCrl(claims: CrlClaims): Promise<string>;
  signEventFeed(claims: EventFeedClaims): Promise<string>;
  /** The current key (active) first, then the published older keys. */
  toKeysDocument(): Promise<RegistryKeysDocument>;
}

/** Imports the signing seed lazily, once per isolate. */
export function createRegistrySigner(config: Pick<RegistryConfig, "signingKey" | "publishedKeys">): RegistrySigner {
  const { kid, seed } = config.signingKey;
  let keyPair: Promise<Ed25519KeyPair> | undefined;
  const load = (): Promise<Ed25519KeyPair> => {
    keyPair ??= importEd25519Seed(seed);
    return keyPair;
  };
  return {
    kid,
    async signAit(claims) {
      return signAit({ claims, kid, privateKey: (await load()).privateKey });
    },
    async signCrl(claims) {
      return signCrl({ claims, kid, privateKey: (await load()).privateKey });
    },
    async signEventFeed(claims) {
      return signEventFeed({ claims, kid, privateKey: (await load()).privateKey });
    },
    async toKeysDocument() {
      const current: RegistryKey = { kid, alg: "EdDSA", crv: "Ed25519", x: (await load()).publicKey, status: "active" };
      return { keys: [current, ...config.publishedKeys] };
    },
  };
}
