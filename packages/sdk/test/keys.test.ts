import { describe, expect, it } from "vitest";
import {
  encodeBase64url,
  encodeUtf8,
  generateEd25519KeyPair,
  importEd25519PublicKey,
  importEd25519Seed,
  signEd25519,
  verifyEd25519,
} from "../src/index";
import vectors from "./vectors/claw-proof-v1.json";

const message = encodeUtf8("CLAW-PROOF-V1\nPOST\n/x");

describe("Ed25519 keys", () => {
  it("generates a pair whose seed imports back to the same public key", async () => {
    const pair = await generateEd25519KeyPair();
    expect(pair.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pair.seed).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const imported = await importEd25519Seed(pair.seed);
    expect(imported.publicKey).toBe(pair.publicKey);
    expect(imported.seed).toBe(pair.seed);
    // Ed25519 signatures are deterministic: the same seed signs identically.
    expect(await signEd25519(imported.privateKey, message)).toBe(await signEd25519(pair.privateKey, message));
  });

  it("generates a different key each time", async () => {
    const [a, b] = await Promise.all([generateEd25519KeyPair(), generateEd25519KeyPair()]);
    expect(a.publicKey).not.toBe(b.publicKey);
  });

  it("does not let the private key be exported", async () => {
    const pair = await importEd25519Seed(vectors.seed);
    expect(pair.privateKey.extractable).toBe(false);
  });

  it("refuses a seed that is not 32 bytes or not base64url", async () => {
    await expect(importEd25519Seed(encodeBase64url(new Uint8Array(31)))).rejects.toThrow(TypeError);
    await expect(importEd25519Seed(encodeBase64url(new Uint8Array(33)))).rejects.toThrow(TypeError);
    await expect(importEd25519Seed(`${vectors.seed.slice(1)}=`)).rejects.toThrow(TypeError);
  });

  it("refuses a public key that is not 32 bytes", async () => {
    await expect(importEd25519PublicKey(vectors.publicKey.slice(0, 42))).rejects.toThrow(TypeError);
    await expect(importEd25519PublicKey(`${vectors.publicKey}AA`)).rejects.toThrow(TypeError);
  });
});

describe("signEd25519 / verifyEd25519", () => {
  it("verifies its own signature and rejects other data or another key", async () => {
    const pair = await generateEd25519KeyPair();
    const other = await generateEd25519KeyPair();
    const signature = await signEd25519(pair.privateKey, message);
    expect(signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(await verifyEd25519(pair.publicKey, signature, message)).toBe(true);
    expect(await verifyEd25519(pair.publicKey, signature, encodeUtf8("CLAW-PROOF-V1\nPOST\n/y"))).toBe(false);
    expect(await verifyEd25519(other.publicKey, signature, message)).toBe(false);
  });

  it("returns false, never throws, for a malformed key or signature", async () => {
    const pair = await generateEd25519KeyPair();
    const signature = await signEd25519(pair.privateKey, message);
    const cases: Array<[string, string]> = [
      ["", signature],
      ["not base64url!", signature],
      [pair.publicKey.slice(0, 40), signature],
      [`${pair.publicKey}=`, signature],
      [pair.publicKey, ""],
      [pair.publicKey, signature.slice(0, 85)],
      [pair.publicKey, `${signature}AAAA`],
      [pair.publicKey, signature.replace(/.$/, "*")],
    ];
    for (const [publicKey, sig] of cases) expect(await verifyEd25519(publicKey, sig, message)).toBe(false);
  });
});
