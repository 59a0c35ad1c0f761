import { createUlid, toUnixSeconds } from "@clawdentity/sdk";
import type { RegistryContext } from "../context";
import { listRevocations } from "../db";

/** A freshly signed list of every revoked AIT id, valid for `crl.ttlSeconds`. */
export async function createSignedCrl(context: RegistryContext): Promise<string> {
  const { clock, config, db, signer } = context;
  const nowMs = clock.nowMs();
  const iat = toUnixSeconds(nowMs);
  return signer.signCrl({
    iss: config.issuerUrl,
    jti: createUlid(nowMs),
    iat,
    exp: iat + config.crl.ttlSeconds,
    revocations: await listRevocations(db),
  });
}
