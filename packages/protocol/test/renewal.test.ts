import { describe, expect, it } from "vitest";
import {
  AGENT_RENEWAL_DEFAULTS,
  agentRenewalPolicyRequestSchema,
  agentRenewalRequestSchema,
  isTokenRevocationReason,
  toKeyRotationText,
} from "../src/index";
import { AGENT_DID, PUBLIC_KEY_X, ULID_A } from "./fixtures";

describe("self-renewal", () => {
  it("renews with an empty body or rotates with a new key and its proof", () => {
    expect(agentRenewalRequestSchema.parse({})).toEqual({});
    const rotation = { newKey: { publicKey: PUBLIC_KEY_X, proof: "c2ln" } };
    expect(agentRenewalRequestSchema.parse(rotation)).toEqual(rotation);
    expect(agentRenewalRequestSchema.safeParse({ newKey: { publicKey: PUBLIC_KEY_X } }).success).toBe(false);
    expect(agentRenewalRequestSchema.safeParse({ newKey: { publicKey: "short", proof: "c2ln" } }).success).toBe(false);
  });

  it("binds the new key to the agent, its AIT and the request's nonce", () => {
    const text = toKeyRotationText({ agentDid: AGENT_DID, jti: ULID_A, nonce: "n-1", publicKey: PUBLIC_KEY_X });
    expect(text).toBe(["CLAW-KEY-ROTATION-V1", AGENT_DID, ULID_A, "n-1", PUBLIC_KEY_X].join("\n"));
  });

  it("takes a policy change of at least one field, bounded", () => {
    expect(agentRenewalPolicyRequestSchema.safeParse({ selfRenewal: false }).success).toBe(true);
    expect(agentRenewalPolicyRequestSchema.safeParse({ maxLifetimeDays: 3650 }).success).toBe(true);
    expect(agentRenewalPolicyRequestSchema.safeParse({}).success).toBe(false);
    expect(agentRenewalPolicyRequestSchema.safeParse({ maxLifetimeDays: 3651 }).success).toBe(false);
    expect(AGENT_RENEWAL_DEFAULTS).toEqual({ selfRenewal: true, maxLifetimeDays: 365 });
  });

  it("tells a revocation of one AIT from a revocation of the agent", () => {
    expect(isTokenRevocationReason("reissued")).toBe(true);
    expect(isTokenRevocationReason("renewed")).toBe(true);
    expect(isTokenRevocationReason("agent_revoked")).toBe(false);
    expect(isTokenRevocationReason("something new")).toBe(false);
  });
});
