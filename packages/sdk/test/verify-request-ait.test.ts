import { beforeAll, describe, expect, it } from "vitest";
import {
  createRegistryKeysCache,
  type Ed25519KeyPair,
  encodeBase64url,
  encodeUtf8,
  generateEd25519KeyPair,
  signCompactJws,
  signCrl,
} from "../src/index";
import {
  createAitClaims,
  createSignedRequest,
  createTestRegistry,
  DAY_SECONDS,
  NOW_SECONDS,
  REGISTRY_KID,
  REGISTRY_URL,
  type TestRegistry,
  toVerifyOutcome,
} from "./fixtures";

let registry: TestRegistry;
let agent: Ed25519KeyPair;

beforeAll(async () => {
  registry = await createTestRegistry();
  agent = await generateEd25519KeyPair();
});

/** Signs a request with the agent key, carrying `ait`, and verifies it against the test registry. */
async function outcomeFor(ait: string, nowSeconds = NOW_SECONDS, privateKey = agent.privateKey) {
  const request = await createSignedRequest({ ait, privateKey, timestampSeconds: nowSeconds });
  return toVerifyOutcome(request, { keys: registry.keys, nowSeconds, issuer: REGISTRY_URL });
}

describe("verifyClawRequest: the AIT", () => {
  it("accepts a valid AIT and exposes its claims", async () => {
    expect(await outcomeFor(await registry.issueAit(agent.publicKey))).toBe("accepted");
  });

  it("refuses an expired AIT with AIT_EXPIRED", async () => {
    const ait = await registry.issueAit(agent.publicKey);
    const exp = NOW_SECONDS + 29 * DAY_SECONDS;
    expect(await outcomeFor(ait, exp - 1)).toBe("accepted");
    expect(await outcomeFor(ait, exp)).toBe("AIT_EXPIRED");
  });

  it("refuses an AIT before its nbf with AIT_NOT_YET_VALID", async () => {
    const ait = await registry.issueAit(agent.publicKey, {
      iat: NOW_SECONDS,
      nbf: NOW_SECONDS + 3_600,
      exp: NOW_SECONDS + 30 * DAY_SECONDS,
    });
    expect(await outcomeFor(ait)).toBe("AIT_NOT_YET_VALID");
    expect(await outcomeFor(ait, NOW_SECONDS + 3_600)).toBe("accepted");
  });

  it("refuses an AIT from another issuer with UNTRUSTED_ISSUER", async () => {
    const ait = await registry.issueAit(agent.publicKey, { iss: "https://evil.example.com" });
    expect(await outcomeFor(ait)).toBe("UNTRUSTED_ISSUER");
  });

  it("refuses an AIT signed under an unknown kid with UNKNOWN_KID", async () => {
    const claims = createAitClaims(agent.publicKey);
    const ait = await signCompactJws({
      claims: { ...claims },
      typ: "AIT",
      kid: "reg-unknown",
      privateKey: registry.signingKey.privateKey,
    });
    expect(await outcomeFor(ait)).toBe("UNKNOWN_KID");
  });

  it("refuses an AIT signed by a revoked registry key with UNKNOWN_KID", async () => {
    const revokedRegistry = createRegistryKeysCache({
      fetchKeys: async () => ({ keys: registry.document.keys.map((key) => ({ ...key, status: "revoked" as const })) }),
      now: () => NOW_SECONDS * 1000,
    });
    const request = await createSignedRequest({
      ait: await registry.issueAit(agent.publicKey),
      privateKey: agent.privateKey,
    });
    expect(await toVerifyOutcome(request, { keys: revokedRegistry, nowSeconds: NOW_SECONDS })).toBe("UNKNOWN_KID");
  });

  it("refuses an AIT whose signature is forged with INVALID_AIT", async () => {
    const attacker = await generateEd25519KeyPair();
    const claims = createAitClaims(agent.publicKey);
    const forged = await signCompactJws({
      claims: { ...claims },
      typ: "AIT",
      kid: REGISTRY_KID,
      privateKey: attacker.privateKey,
    });
    expect(await outcomeFor(forged)).toBe("INVALID_AIT");
  });

  it("refuses an AIT whose claims were edited after signing with INVALID_AIT", async () => {
    const [header, , signature] = (await registry.issueAit(agent.publicKey)).split(".");
    const edited = encodeBase64url(
      encodeUtf8(JSON.stringify(createAitClaims(agent.publicKey, { exp: NOW_SECONDS + 90 * DAY_SECONDS }))),
    );
    expect(await outcomeFor(`${header}.${edited}.${signature}`)).toBe("INVALID_AIT");
  });

  it("refuses an AIT with an unknown claim with INVALID_AIT, even when correctly signed", async () => {
    const claims = { ...createAitClaims(agent.publicKey), scope: "admin" };
    const ait = await signCompactJws({
      claims,
      typ: "AIT",
      kid: REGISTRY_KID,
      privateKey: registry.signingKey.privateKey,
    });
    expect(await outcomeFor(ait)).toBe("INVALID_AIT");
  });

  it("refuses a CRL token presented as an AIT with INVALID_AIT", async () => {
    const crl = await signCrl({
      claims: {
        iss: REGISTRY_URL,
        jti: "01JGQ8Z9ZQ0000000000000009",
        iat: NOW_SECONDS,
        exp: NOW_SECONDS + 60,
        revocations: [],
      },
      kid: REGISTRY_KID,
      privateKey: registry.signingKey.privateKey,
    });
    expect(await outcomeFor(crl)).toBe("INVALID_AIT");
  });

  it.each([
    ["not a JWS", "not-a-token"],
    ["an unsigned token", "eyJhbGciOiJub25lIiwidHlwIjoiQUlUIn0.e30."],
  ])("refuses %s with INVALID_AIT", async (_label, token) => {
    expect(await outcomeFor(token)).toBe("INVALID_AIT");
  });

  it("refuses an AIT without a usable kid with INVALID_AIT", async () => {
    const claims = createAitClaims(agent.publicKey);
    const longKid = await signCompactJws({
      claims: { ...claims },
      typ: "AIT",
      kid: "k".repeat(129),
      privateKey: registry.signingKey.privateKey,
    });
    expect(await outcomeFor(longKid)).toBe("INVALID_AIT");
  });

  it("reports a registry key that does not import as KEYS_UNAVAILABLE, not as the caller's fault", async () => {
    const request = await createSignedRequest({
      ait: await registry.issueAit(agent.publicKey),
      privateKey: agent.privateKey,
    });
    const brokenKeys = { resolveKey: async () => "not-a-32-byte-key" };
    expect(await toVerifyOutcome(request, { keys: brokenKeys, nowSeconds: NOW_SECONDS })).toBe("KEYS_UNAVAILABLE");
  });

  it("refuses a request signed by a key other than the AIT's cnf key with INVALID_PROOF", async () => {
    const ait = await registry.issueAit(agent.publicKey);
    const thief = await generateEd25519KeyPair();
    expect(await outcomeFor(ait, NOW_SECONDS, thief.privateKey)).toBe("INVALID_PROOF");
  });
});
