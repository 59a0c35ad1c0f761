import type { CrlClaims } from "@clawdentity/protocol";
import { beforeAll, describe, expect, it } from "vitest";
import { generateEd25519KeyPair, signCrl, verifyCrl } from "../src/index";
import {
  AGENT_DID,
  createTestRegistry,
  NOW_SECONDS,
  REGISTRY_KID,
  REGISTRY_URL,
  type TestRegistry,
  toRejectionReason,
} from "./fixtures";

let registry: TestRegistry;

beforeAll(async () => {
  registry = await createTestRegistry();
});

const claims = (revocations: CrlClaims["revocations"] = []): CrlClaims => ({
  iss: REGISTRY_URL,
  jti: "01JGQ8Z9ZQ0000000000000005",
  iat: NOW_SECONDS,
  exp: NOW_SECONDS + 3_600,
  revocations,
});

const sign = (value: CrlClaims, privateKey = registry.signingKey.privateKey) =>
  signCrl({ claims: value, kid: REGISTRY_KID, privateKey });

describe("signCrl / verifyCrl", () => {
  it("round-trips a list of revocations", async () => {
    const value = claims([
      { jti: "01JGQ8Z9ZQ0000000000000002", agentDid: AGENT_DID, reason: "compromised", revokedAt: NOW_SECONDS - 5 },
    ]);
    const token = await sign(value);
    expect(await verifyCrl({ token, keys: registry.keys, nowSeconds: NOW_SECONDS, issuer: REGISTRY_URL })).toEqual(
      value,
    );
  });

  it("verifies an empty list", async () => {
    const token = await sign(claims());
    const verified = await verifyCrl({ token, keys: registry.keys, nowSeconds: NOW_SECONDS });
    expect(verified.revocations).toEqual([]);
  });

  it("refuses to sign invalid claims", async () => {
    await expect(sign({ ...claims(), exp: NOW_SECONDS })).rejects.toThrow();
    await expect(sign({ ...claims(), extra: 1 } as CrlClaims)).rejects.toThrow();
  });

  it("refuses a list signed by another key", async () => {
    const attacker = await generateEd25519KeyPair();
    const token = await sign(claims(), attacker.privateKey);
    expect(await toRejectionReason(verifyCrl({ token, keys: registry.keys, nowSeconds: NOW_SECONDS }))).toBe(
      "INVALID_AIT",
    );
  });

  it("refuses an expired list and one from another issuer", async () => {
    const token = await sign(claims());
    expect(await toRejectionReason(verifyCrl({ token, keys: registry.keys, nowSeconds: NOW_SECONDS + 3_600 }))).toBe(
      "AIT_EXPIRED",
    );
    expect(
      await toRejectionReason(
        verifyCrl({ token, keys: registry.keys, nowSeconds: NOW_SECONDS, issuer: "https://other.example.com" }),
      ),
    ).toBe("UNTRUSTED_ISSUER");
  });

  it("refuses an AIT presented as a CRL", async () => {
    const agent = await generateEd25519KeyPair();
    const ait = await registry.issueAit(agent.publicKey);
    expect(await toRejectionReason(verifyCrl({ token: ait, keys: registry.keys, nowSeconds: NOW_SECONDS }))).toBe(
      "INVALID_AIT",
    );
  });
});
