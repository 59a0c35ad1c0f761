import { generateEd25519KeyPair, signRequest, verifyEd25519, webCryptoSigning } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { nodeSigning } from "./node-crypto";

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
