import { createHash, createHmac, KeyObject, sign, timingSafeEqual } from "node:crypto";
import type { SigningPrimitives, WebhookMac, WebhookMacCheck } from "@clawdentity/sdk";

// Node's hashes, MACs and signatures answer in the call; Web Crypto's go through the thread pool,
// a trip per message on every request the connector signs.

/** Each private key's Node form, made once (the identity keeps its CryptoKey until it changes). */
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

export const nodeSigning: SigningPrimitives = {
  sha256: (data) => createHash("sha256").update(data).digest(),
  signEd25519(privateKey, data) {
    let key = keyObjects.get(privateKey);
    if (!key) {
      key = KeyObject.from(privateKey);
      keyObjects.set(privateKey, key);
    }
    return sign(null, data, key);
  },
};

export const hmacSha256: WebhookMac = (key, content) => createHmac("sha256", key).update(content).digest();

/** A webhook signature checked in the call, in constant time (a runtime in Node verifying each delivery). */
export const checkHmacSha256: WebhookMacCheck = (key, content, mac) => {
  const expected = hmacSha256(key, content);
  return mac.byteLength === expected.byteLength && timingSafeEqual(expected, mac);
};
