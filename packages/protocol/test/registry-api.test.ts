import { describe, expect, it } from "vitest";
import {
  AGENT_LIST_DEFAULT_LIMIT,
  agentListQuerySchema,
  agentRefSchema,
  agentSchema,
  bootstrapRequestSchema,
  createInviteRequestSchema,
  createTokenRequestSchema,
  inviteCodeSchema,
  ownerSchema,
  personalAccessTokenValueSchema,
  redeemInviteRequestSchema,
  reissueAgentRequestSchema,
  resolvedAgentSchema,
} from "../src/index";
import { AGENT_DID, HUMAN_DID, ISO_NOW, PUBLIC_KEY_X, ULID_A, ULID_B, without } from "./fixtures";

const SECRET_TAIL = `${ULID_A}_${PUBLIC_KEY_X}`;

const agent = {
  id: ULID_A,
  did: AGENT_DID,
  ownerDid: HUMAN_DID,
  name: "support-bot",
  framework: "openclaw",
  publicKey: PUBLIC_KEY_X,
  status: "active",
  currentJti: ULID_B,
  ttlDays: 30,
  ttlSeconds: 30 * 86_400,
  aitExpiresAt: ISO_NOW,
  renewal: { selfRenewal: true, maxLifetimeDays: 365, lifetimeStartedAt: ISO_NOW, renewableUntil: ISO_NOW },
  createdAt: ISO_NOW,
  updatedAt: ISO_NOW,
  revokedAt: null,
} as const;

describe("registry secrets", () => {
  it("recognise a personal access token and an invite code by prefix, ULID and 43-char secret", () => {
    expect(personalAccessTokenValueSchema.safeParse(`clw_pat_${SECRET_TAIL}`).success).toBe(true);
    expect(inviteCodeSchema.safeParse(`clw_inv_${SECRET_TAIL}`).success).toBe(true);
  });

  it.each([
    ["the other prefix", `clw_inv_${SECRET_TAIL}`],
    ["a short secret", `clw_pat_${SECRET_TAIL.slice(0, -1)}`],
    ["a lower-case id", `clw_pat_${SECRET_TAIL.toLowerCase()}`],
    ["trailing text", `clw_pat_${SECRET_TAIL}x`],
  ])("refuse a token with %s", (_label, value) => {
    expect(personalAccessTokenValueSchema.safeParse(value).success).toBe(false);
  });
});

describe("owner, token and invite bodies", () => {
  it("accept an owner and refuse an agent DID as its did", () => {
    const owner = { id: ULID_A, did: HUMAN_DID, displayName: "Ada", role: "admin", createdAt: ISO_NOW };
    expect(ownerSchema.parse(owner)).toEqual(owner);
    expect(ownerSchema.safeParse({ ...owner, did: AGENT_DID }).success).toBe(false);
    expect(ownerSchema.safeParse({ ...owner, role: "root" }).success).toBe(false);
  });

  it("accept an empty bootstrap body and bound the optional names", () => {
    expect(bootstrapRequestSchema.safeParse({}).success).toBe(true);
    expect(bootstrapRequestSchema.safeParse({ displayName: "d".repeat(101) }).success).toBe(false);
    expect(bootstrapRequestSchema.safeParse({ tokenName: "bad\nname" }).success).toBe(false);
  });

  it("bound token and invite lifetimes", () => {
    expect(createTokenRequestSchema.safeParse({ name: "ci", expiresInDays: 365 }).success).toBe(true);
    expect(createTokenRequestSchema.safeParse({ name: "ci", expiresInDays: 366 }).success).toBe(false);
    expect(createTokenRequestSchema.safeParse({ expiresInDays: 1 }).success).toBe(false);
    expect(createInviteRequestSchema.safeParse({ role: "member", expiresInDays: 30 }).success).toBe(true);
    expect(createInviteRequestSchema.safeParse({ expiresInDays: 0 }).success).toBe(false);
  });

  it("leave the invite code's correctness to the registry, but bound its size", () => {
    expect(redeemInviteRequestSchema.safeParse({ code: "wrong" }).success).toBe(true);
    expect(redeemInviteRequestSchema.safeParse({ code: "" }).success).toBe(false);
    expect(redeemInviteRequestSchema.safeParse({ code: "c".repeat(257) }).success).toBe(false);
  });
});

describe("agent bodies", () => {
  it("accept an agent and its public view", () => {
    expect(agentSchema.parse(agent)).toEqual(agent);
    const {
      id: _id,
      currentJti: _jti,
      ttlDays: _ttl,
      ttlSeconds: _seconds,
      aitExpiresAt: _exp,
      renewal: _renewal,
      updatedAt: _upd,
      ...view
    } = agent;
    const resolved = { ...view, homeProxy: null };
    expect(resolvedAgentSchema.parse(resolved)).toEqual(resolved);
    const homed = { ...view, homeProxy: { origin: "https://proxy-b.example", kid: "k".repeat(43) } };
    expect(resolvedAgentSchema.parse(homed)).toEqual(homed);
    expect(resolvedAgentSchema.safeParse(view).success).toBe(false);
  });

  it.each([
    ["a human did", { did: HUMAN_DID }],
    ["an unknown status", { status: "suspended" }],
    ["a ttlDays past 90", { ttlDays: 91 }],
    ["a ttlSeconds under 60", { ttlSeconds: 59 }],
    ["a maxLifetimeDays past 3650", { renewal: { ...agent.renewal, maxLifetimeDays: 3651 } }],
    ["a short public key", { publicKey: PUBLIC_KEY_X.slice(1) }],
  ])("refuse an agent with %s", (_label, patch) => {
    expect(agentSchema.safeParse({ ...agent, ...patch }).success).toBe(false);
  });

  it("refuse an agent without revokedAt (null, not absent, when active)", () => {
    expect(agentSchema.safeParse(without(agent, "revokedAt")).success).toBe(false);
  });

  it("coerce the list query and apply the default limit", () => {
    expect(agentListQuerySchema.parse({})).toEqual({ limit: AGENT_LIST_DEFAULT_LIMIT });
    expect(agentListQuerySchema.parse({ limit: "10", status: "revoked", cursor: ULID_B })).toEqual({
      limit: 10,
      status: "revoked",
      cursor: ULID_B,
    });
    for (const limit of ["0", "101", "abc", "1.5"])
      expect(agentListQuerySchema.safeParse({ limit }).success).toBe(false);
  });

  it("take an agent's ULID or DID as a route reference", () => {
    expect(agentRefSchema.safeParse(ULID_A).success).toBe(true);
    expect(agentRefSchema.safeParse(AGENT_DID).success).toBe(true);
    expect(agentRefSchema.safeParse(HUMAN_DID).success).toBe(false);
    expect(agentRefSchema.safeParse("agent-1").success).toBe(false);
  });

  it("accept an empty reissue body and bound ttlDays and ttlSeconds, one of them at most", () => {
    expect(reissueAgentRequestSchema.safeParse({}).success).toBe(true);
    expect(reissueAgentRequestSchema.safeParse({ ttlDays: 0 }).success).toBe(false);
    expect(reissueAgentRequestSchema.safeParse({ ttlSeconds: 60 }).success).toBe(true);
    expect(reissueAgentRequestSchema.safeParse({ ttlSeconds: 59 }).success).toBe(false);
    expect(reissueAgentRequestSchema.safeParse({ ttlDays: 1, ttlSeconds: 600 }).success).toBe(false);
  });
});
