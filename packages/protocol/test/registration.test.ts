import { describe, expect, it } from "vitest";
import { agentRegistrationRequestSchema, toAgentRegistrationText } from "../src/index";
import { HUMAN_DID, PUBLIC_KEY_X, ULID_A } from "./fixtures";

describe("agent registration", () => {
  it("binds challenge, nonce, owner, key and name in the signed text", () => {
    const text = toAgentRegistrationText({
      challengeId: ULID_A,
      nonce: "n1",
      ownerDid: HUMAN_DID,
      publicKey: PUBLIC_KEY_X,
      name: "bot",
    });
    expect(text).toBe(["CLAW-AGENT-REGISTRATION-V1", ULID_A, "n1", HUMAN_DID, PUBLIC_KEY_X, "bot"].join("\n"));
  });

  it("validates the registration body", () => {
    const body = {
      name: "bot",
      framework: "openclaw",
      publicKey: PUBLIC_KEY_X,
      challengeId: ULID_A,
      challengeSignature: "sig",
    };
    expect(agentRegistrationRequestSchema.safeParse(body).success).toBe(true);
    expect(agentRegistrationRequestSchema.safeParse({ ...body, ttlDays: 90 }).success).toBe(true);
    expect(agentRegistrationRequestSchema.safeParse({ ...body, ttlDays: 91 }).success).toBe(false);
    expect(agentRegistrationRequestSchema.safeParse({ ...body, ttlSeconds: 60 }).success).toBe(true);
    expect(agentRegistrationRequestSchema.safeParse({ ...body, ttlSeconds: 30, ttlDays: 1 }).success).toBe(false);
    expect(
      agentRegistrationRequestSchema.safeParse({ ...body, selfRenewal: false, maxLifetimeDays: 3650 }).success,
    ).toBe(true);
    expect(agentRegistrationRequestSchema.safeParse({ ...body, maxLifetimeDays: 0 }).success).toBe(false);
    expect(agentRegistrationRequestSchema.safeParse({ ...body, publicKey: "short" }).success).toBe(false);
    expect(agentRegistrationRequestSchema.safeParse({ ...body, challengeSignature: "" }).success).toBe(false);
  });
});
