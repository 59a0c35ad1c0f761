import { CLAW_HEADERS, toCanonicalRequestString } from "@clawdentity/protocol";
import { describe, expect, it } from "vitest";
import { createRequestProof, hashBodySha256, importEd25519Seed, verifyRequestProof } from "../src/index";
import vectors from "./vectors/claw-proof-v1.json";

describe("claw-proof-v1 vectors", () => {
  it("derives the published public key from the seed", async () => {
    const pair = await importEd25519Seed(vectors.seed);
    expect(pair.publicKey).toBe(vectors.publicKey);
  });

  for (const vector of vectors.cases) {
    it(`reproduces ${vector.method} ${vector.pathWithQuery}`, async () => {
      const pair = await importEd25519Seed(vectors.seed);
      const bodyHash = await hashBodySha256(vector.body);
      expect(bodyHash).toBe(vector.bodyHash);
      const input = { ...vector, bodyHash };
      expect(toCanonicalRequestString(input)).toBe(vector.canonical);
      expect(await createRequestProof({ ...input, privateKey: pair.privateKey })).toBe(vector.proof);
      expect(await verifyRequestProof({ ...input, proof: vector.proof, publicKey: vectors.publicKey })).toBe(true);
      expect(CLAW_HEADERS.proof).toBe("x-claw-proof");
    });
  }
});
