import type { AuthFailureReason } from "@clawdentity/protocol";
import { beforeAll, describe, expect, it } from "vitest";
import { hashBodySha256, verifyClawRequest } from "../src/index";
import { createTestRegistry, type TestRegistry, toRejectionReason } from "./fixtures";
import vectors from "./vectors/claw-proof-v1.json";

type VectorCase = (typeof vectors.cases)[number];

interface RequestParts {
  method: string;
  pathWithQuery: string;
  body: string;
  headers: Record<string, string>;
}

let registry: TestRegistry;
let ait: string;

beforeAll(async () => {
  registry = await createTestRegistry();
  // The AIT binds the vectors' public key, so the published proofs are valid requests of that agent.
  ait = await registry.issueAit(vectors.publicKey);
});

function toRequest(vector: VectorCase): RequestParts {
  return {
    method: vector.method,
    pathWithQuery: vector.pathWithQuery,
    body: vector.body,
    headers: {
      Authorization: `Claw ${ait}`,
      "X-Claw-Timestamp": vector.timestamp,
      "X-Claw-Nonce": vector.nonce,
      "X-Claw-Body-SHA256": vector.bodyHash,
      "X-Claw-Proof": vector.proof,
    },
  };
}

function verify(vector: VectorCase, request: RequestParts) {
  return verifyClawRequest({
    method: request.method,
    pathWithQuery: request.pathWithQuery,
    headers: new Headers(request.headers),
    body: request.body,
    keys: registry.keys,
    nowSeconds: Number(vector.timestamp),
    issuer: "https://registry.example.com",
  });
}

async function expectRefused(vector: VectorCase, request: RequestParts, reason: AuthFailureReason) {
  expect(await toRejectionReason(verify(vector, request))).toBe(reason);
}

describe.each(vectors.cases)("vector $method $pathWithQuery as a full signed request", (vector) => {
  it("is accepted with the published proof", async () => {
    const verified = await verify(vector, toRequest(vector));
    expect(verified.claims.cnf.jwk.x).toBe(vectors.publicKey);
    expect(verified.nonce).toBe(vector.nonce);
    expect(verified.timestampSeconds).toBe(Number(vector.timestamp));
  });

  it("fails with INVALID_PROOF when the method changes", async () => {
    const method = vector.method.toUpperCase() === "POST" ? "PUT" : "POST";
    await expectRefused(vector, { ...toRequest(vector), method }, "INVALID_PROOF");
  });

  it("fails with INVALID_PROOF when the path or query changes", async () => {
    await expectRefused(vector, { ...toRequest(vector), pathWithQuery: `${vector.pathWithQuery}/x` }, "INVALID_PROOF");
    const query = vector.pathWithQuery.includes("?") ? "&extra=1" : "?extra=1";
    await expectRefused(
      vector,
      { ...toRequest(vector), pathWithQuery: `${vector.pathWithQuery}${query}` },
      "INVALID_PROOF",
    );
  });

  it("fails with INVALID_PROOF when the timestamp changes, even within the skew window", async () => {
    const request = toRequest(vector);
    request.headers["X-Claw-Timestamp"] = String(Number(vector.timestamp) + 1);
    await expectRefused(vector, request, "INVALID_PROOF");
  });

  it("fails with INVALID_PROOF when the nonce changes", async () => {
    const request = toRequest(vector);
    request.headers["X-Claw-Nonce"] = `${vector.nonce}0`;
    await expectRefused(vector, request, "INVALID_PROOF");
  });

  it("fails with BODY_HASH_MISMATCH when the body changes", async () => {
    await expectRefused(vector, { ...toRequest(vector), body: `${vector.body} ` }, "BODY_HASH_MISMATCH");
  });

  it("fails with INVALID_PROOF when body and body-hash header are swapped together", async () => {
    const body = '{"text":"forged"}';
    const request = { ...toRequest(vector), body };
    request.headers["X-Claw-Body-SHA256"] = await hashBodySha256(body);
    await expectRefused(vector, request, "INVALID_PROOF");
  });

  it("fails with INVALID_PROOF when the proof changes", async () => {
    const request = toRequest(vector);
    const proof = vector.proof;
    request.headers["X-Claw-Proof"] = `${proof[0] === "A" ? "B" : "A"}${proof.slice(1)}`;
    await expectRefused(vector, request, "INVALID_PROOF");
  });
});
