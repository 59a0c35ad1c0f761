import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Secrets of the local stack; generated once into the ignored state folder, kept across restarts. */
export interface LocalStackSecrets {
  registrySigningKey: string;
  registrySigningKid: string;
  bootstrapSecret: string;
  pairingTicketSecret: string;
  metricsToken: string;
  /** The proxy's own Ed25519 seed (PROTOCOL.md §11.1); absent in a state folder from before federation. */
  proxySigningKey?: string;
  /** The second proxy's own secrets (`pnpm start --proxies 2`); made the first time it starts. */
  secondProxy?: SecondProxySecrets;
}

export interface SecondProxySecrets {
  signingKey: string;
  pairingTicketSecret: string;
  metricsToken: string;
}

function createEd25519Seed(): string {
  const jwk = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" });
  if (!jwk.d) throw new Error("Ed25519 key export returned no seed");
  return jwk.d;
}

function createSecrets(): LocalStackSecrets {
  return {
    registrySigningKey: createEd25519Seed(),
    registrySigningKid: `local-${randomBytes(4).toString("hex")}`,
    bootstrapSecret: randomBytes(24).toString("base64url"),
    pairingTicketSecret: randomBytes(32).toString("base64url"),
    metricsToken: randomBytes(24).toString("base64url"),
    proxySigningKey: createEd25519Seed(),
  };
}

function createSecondProxySecrets(): SecondProxySecrets {
  return {
    signingKey: createEd25519Seed(),
    pairingTicketSecret: randomBytes(32).toString("base64url"),
    metricsToken: randomBytes(24).toString("base64url"),
  };
}

/** The kept secrets, completed with what this start needs and an older state folder lacks. */
export function resolveLocalStackSecrets(path: string, options: { secondProxy?: boolean } = {}): LocalStackSecrets {
  if (existsSync(path)) {
    const kept = JSON.parse(readFileSync(path, "utf8")) as LocalStackSecrets;
    const missingSecond = options.secondProxy === true && !kept.secondProxy;
    if (kept.proxySigningKey && !missingSecond) return kept;
    const upgraded = {
      ...kept,
      proxySigningKey: kept.proxySigningKey ?? createEd25519Seed(),
      ...(missingSecond ? { secondProxy: createSecondProxySecrets() } : {}),
    };
    writeFileSync(path, `${JSON.stringify(upgraded, null, 2)}\n`, { mode: 0o600 });
    return upgraded;
  }
  mkdirSync(dirname(path), { recursive: true });
  const secrets = { ...createSecrets(), ...(options.secondProxy ? { secondProxy: createSecondProxySecrets() } : {}) };
  writeFileSync(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}
