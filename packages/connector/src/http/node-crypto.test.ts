import {
  createWebhookSecret,
  generateEd25519KeyPair,
  signRequest,
  signWebhook,
  verifyEd25519,
  verifyWebhook,
  WebhookVerificationError,
  webCryptoSigning,
} from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { checkHmacSha256, hmacSha256, nodeSigning } from "./node-crypto";

describe("nodeSigning", () => {
  it("hashes and signs exactly as Web Crypto does (Ed25519 signatures are deterministic)", async () => {
    const { privateKey, publicKey } = await generateEd25519KeyPair();
    const data = new TextEncoder().encode(JSON.stringify({ text: "héllo", n: 1 }));
    const signature = await nodeSigning.signEd25519(privateKey, data);
    expect(Buffer.from(signature)).toEqual(Buffer.from(await webCryptoSigning.signEd25519(privateKey, data)));
    expect(Buffer.from(await nodeSigning.sha256(data))).toEqual(Buffer.from(await webCryptoSigning.sha256(data)));
    expect(await verifyEd25519(publicKey, Buffer.from(signature).toString("base64url"), data)).toBe(true);
  });

  it("gives a request the same headers Web Crypto would", async () => {
    const { privateKey } = await generateEd25519KeyPair();
    const request = { method: "POST", pathWithQuery: "/v1/relay/messages", body: '{"a":1}', ait: "a.b.c", privateKey };
    const fixed = { timestampSeconds: 1_800_000_000, nonce: "01JZ0000000000000000000000" };
    expect(await signRequest({ ...request, ...fixed, primitives: nodeSigning })).toEqual(
      await signRequest({ ...request, ...fixed }),
    );
  });
});

describe("checkHmacSha256", () => {
  const body = JSON.stringify({ type: "clawdentity.delivery.v1", payload: { text: "héllo" } });
  const id = "01J0000000000000000000000A";
  const now = 1_790_000_000;
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => null,
      (error: unknown) => (error instanceof WebhookVerificationError ? error.reason : error),
    );

  it("verifies what Web Crypto signs and what the Node signer signs, and refuses what either would", async () => {
    const secret = createWebhookSecret();
    for (const mac of [undefined, hmacSha256]) {
      const headers = await signWebhook({ secret, id, body, timestamp: now, ...(mac ? { mac } : {}) });
      const verify = (change: { body?: string; secret?: string; signature?: string }) =>
        verifyWebhook({
          secret: change.secret ?? secret,
          headers: { ...headers, ...(change.signature ? { "webhook-signature": change.signature } : {}) },
          body: change.body ?? body,
          nowSeconds: now,
          checkMac: checkHmacSha256,
        });
      await expect(verify({})).resolves.toEqual({ id, timestamp: now });
      expect(await refusal(verify({ body: body.replace("héllo", "hello") }))).toBe("invalid_signature");
      expect(await refusal(verify({ secret: createWebhookSecret() }))).toBe("invalid_signature");
      // A signature of another length is a mismatch, not an error of the comparison.
      expect(await refusal(verify({ signature: "v1,c2hvcnQ=" }))).toBe("invalid_signature");
      expect(await refusal(verify({ secret: "whsec_c2hvcnQ=" }))).toBe("invalid_secret");
    }
  });
});
