import { z } from "zod";
import { AIT_MAX_TTL_DAYS, agentNameSchema, frameworkSchema, ttlSecondsSchema } from "./ait";
import { agentDidSchema, humanDidSchema } from "./did";
import { homeProxySchema } from "./federation";
import { base64urlSchema, isoTimestampSchema, safeTextSchema, ulidSchema } from "./primitives";
import { agentRenewalSchema, aitLifetimeFields, hasOneLifetime, ONE_LIFETIME_MESSAGE } from "./renewal";

/** Owner-facing routes of the registry (the PROTOCOL.md §1 routes live in keys.ts / crl.ts). */
export const REGISTRY_PATHS = {
  health: "/health",
  crl: "/v1/crl",
  bootstrap: "/v1/admin/bootstrap",
  me: "/v1/me",
  tokens: "/v1/me/tokens",
  invites: "/v1/invites",
  inviteRedeem: "/v1/invites/redeem",
  agents: "/v1/agents",
  agentChallenge: "/v1/agents/challenge",
  /** Signed by the agent itself (PROTOCOL.md §2), not by its owner. */
  agentRenew: "/v1/agents/renew",
  resolve: "/v1/resolve",
  /** Proxy keys (admin) and their public lookup by kid (PROTOCOL.md §11.1). */
  proxies: "/v1/proxies",
  /** Signed by a proxy (PROTOCOL.md §11.3). */
  proxyHome: "/v1/proxies/home",
  /** The signed, cursor-paged event feed (PROTOCOL.md §11.5). */
  events: "/v1/events",
} as const;

export const BOOTSTRAP_SECRET_HEADER = "x-bootstrap-secret";

/** Secrets handed out once: `<prefix><ULID id>_<43 base64url chars>`; the registry keeps only a SHA-256. */
export const PERSONAL_ACCESS_TOKEN_PREFIX = "clw_pat_";
export const INVITE_CODE_PREFIX = "clw_inv_";
const SECRET_BODY = "[0-7][0-9A-HJKMNP-TV-Z]{25}_[A-Za-z0-9_-]{43}";
export const personalAccessTokenValueSchema = z
  .string()
  .regex(new RegExp(`^${PERSONAL_ACCESS_TOKEN_PREFIX}${SECRET_BODY}$`), "not a personal access token");
export const inviteCodeSchema = z
  .string()
  .regex(new RegExp(`^${INVITE_CODE_PREFIX}${SECRET_BODY}$`), "not an invite code");

export const OWNER_ROLES = ["admin", "member"] as const;
export const ownerRoleSchema = z.enum(OWNER_ROLES);
export type OwnerRole = z.infer<typeof ownerRoleSchema>;

export const displayNameSchema = safeTextSchema(100);
export const tokenNameSchema = safeTextSchema(64);

export const ownerSchema = z.object({
  id: ulidSchema,
  did: humanDidSchema,
  displayName: displayNameSchema,
  role: ownerRoleSchema,
  createdAt: isoTimestampSchema,
});
export type Owner = z.infer<typeof ownerSchema>;

export const personalAccessTokenSchema = z.object({
  id: ulidSchema,
  name: tokenNameSchema,
  createdAt: isoTimestampSchema,
  expiresAt: isoTimestampSchema.nullable(),
  lastUsedAt: isoTimestampSchema.nullable(),
  revokedAt: isoTimestampSchema.nullable(),
});
export type PersonalAccessToken = z.infer<typeof personalAccessTokenSchema>;

/** `POST /v1/admin/bootstrap` (with `x-bootstrap-secret`); the body may be empty. */
export const bootstrapRequestSchema = z.object({
  displayName: displayNameSchema.optional(),
  tokenName: tokenNameSchema.optional(),
});
export type BootstrapRequest = z.infer<typeof bootstrapRequestSchema>;

/** Answer of bootstrap and invite redemption: the new owner and its first token; `secret` is shown only here. */
export const ownerSessionResponseSchema = z.object({
  owner: ownerSchema,
  token: personalAccessTokenSchema,
  secret: personalAccessTokenValueSchema,
});
export type OwnerSessionResponse = z.infer<typeof ownerSessionResponseSchema>;

export const meResponseSchema = z.object({ owner: ownerSchema });
export type MeResponse = z.infer<typeof meResponseSchema>;

export const createTokenRequestSchema = z.object({
  name: tokenNameSchema,
  expiresInDays: z.number().int().min(1).max(365).optional(),
});
export type CreateTokenRequest = z.infer<typeof createTokenRequestSchema>;
export const createdTokenResponseSchema = z.object({
  token: personalAccessTokenSchema,
  secret: personalAccessTokenValueSchema,
});
export type CreatedTokenResponse = z.infer<typeof createdTokenResponseSchema>;
export const tokenListResponseSchema = z.object({ tokens: z.array(personalAccessTokenSchema) });
export type TokenListResponse = z.infer<typeof tokenListResponseSchema>;
export const tokenResponseSchema = z.object({ token: personalAccessTokenSchema });
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

export const INVITE_DEFAULT_TTL_DAYS = 7;
export const inviteSchema = z.object({
  id: ulidSchema,
  role: ownerRoleSchema,
  note: safeTextSchema(200).nullable(),
  createdByDid: humanDidSchema,
  createdAt: isoTimestampSchema,
  expiresAt: isoTimestampSchema,
  redeemedAt: isoTimestampSchema.nullable(),
  redeemedByDid: humanDidSchema.nullable(),
});
export type Invite = z.infer<typeof inviteSchema>;
export const createInviteRequestSchema = z.object({
  role: ownerRoleSchema.optional(),
  expiresInDays: z.number().int().min(1).max(30).optional(),
  note: safeTextSchema(200).optional(),
});
export type CreateInviteRequest = z.infer<typeof createInviteRequestSchema>;
export const createdInviteResponseSchema = z.object({ invite: inviteSchema, code: inviteCodeSchema });
export type CreatedInviteResponse = z.infer<typeof createdInviteResponseSchema>;
export const inviteListResponseSchema = z.object({ invites: z.array(inviteSchema) });
export type InviteListResponse = z.infer<typeof inviteListResponseSchema>;
/** `code` is checked by the registry so that any wrong code is `REGISTRY_INVITE_INVALID`, not a validation error. */
export const redeemInviteRequestSchema = z.object({
  code: z.string().min(1).max(256),
  displayName: displayNameSchema.optional(),
  tokenName: tokenNameSchema.optional(),
});
export type RedeemInviteRequest = z.infer<typeof redeemInviteRequestSchema>;

export const AGENT_STATUSES = ["active", "revoked"] as const;
export const agentStatusSchema = z.enum(AGENT_STATUSES);
export type AgentStatus = z.infer<typeof agentStatusSchema>;

/** Reasons the registry writes into revocations and `agent.auth.revoked` events. */
export const AGENT_REVOCATION_REASONS = { revoked: "agent_revoked", reissued: "reissued", renewed: "renewed" } as const;

/** Reasons that revoke one AIT and leave the agent active (a newer AIT replaced it); any other revokes the agent. */
export const TOKEN_REVOCATION_REASONS: readonly string[] = [
  AGENT_REVOCATION_REASONS.reissued,
  AGENT_REVOCATION_REASONS.renewed,
];

export function isTokenRevocationReason(reason: string): boolean {
  return TOKEN_REVOCATION_REASONS.includes(reason);
}

/** An agent as its owner sees it. */
export const agentSchema = z.object({
  id: ulidSchema,
  did: agentDidSchema,
  ownerDid: humanDidSchema,
  name: agentNameSchema,
  framework: frameworkSchema,
  publicKey: base64urlSchema.length(43),
  status: agentStatusSchema,
  currentJti: ulidSchema,
  /** Whole days of `ttlSeconds` (0 for a lifetime under a day). */
  ttlDays: z.number().int().min(0).max(AIT_MAX_TTL_DAYS),
  /** The lifetime of each AIT issued to the agent. */
  ttlSeconds: ttlSecondsSchema,
  aitExpiresAt: isoTimestampSchema,
  renewal: agentRenewalSchema,
  createdAt: isoTimestampSchema,
  updatedAt: isoTimestampSchema,
  revokedAt: isoTimestampSchema.nullable(),
});
export type Agent = z.infer<typeof agentSchema>;

/** Answer of `POST /v1/agents` (201) and `POST /v1/agents/:id/reissue` (200). */
export const agentWithAitResponseSchema = z.object({ agent: agentSchema, ait: z.string().min(1) });
export type AgentWithAitResponse = z.infer<typeof agentWithAitResponseSchema>;
export const agentResponseSchema = z.object({ agent: agentSchema });
export type AgentResponse = z.infer<typeof agentResponseSchema>;

export const AGENT_LIST_DEFAULT_LIMIT = 50;
export const AGENT_LIST_MAX_LIMIT = 100;
/** Query of `GET /v1/agents`: newest first; `cursor` is the `nextCursor` of the previous page. */
export const agentListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(AGENT_LIST_MAX_LIMIT).default(AGENT_LIST_DEFAULT_LIMIT),
  cursor: ulidSchema.optional(),
  status: agentStatusSchema.optional(),
});
export type AgentListQuery = z.infer<typeof agentListQuerySchema>;
export const agentListResponseSchema = z.object({ agents: z.array(agentSchema), nextCursor: ulidSchema.nullable() });
export type AgentListResponse = z.infer<typeof agentListResponseSchema>;

/** Body of `POST /v1/agents/:id/reissue`; may be empty (the agent's registered lifetime is reused). */
export const reissueAgentRequestSchema = z.object(aitLifetimeFields).refine(hasOneLifetime, ONE_LIFETIME_MESSAGE);
export type ReissueAgentRequest = z.infer<typeof reissueAgentRequestSchema>;

/** The public view of `GET /v1/resolve/:id`. */
export const resolvedAgentSchema = agentSchema
  .pick({
    did: true,
    ownerDid: true,
    name: true,
    framework: true,
    publicKey: true,
    status: true,
    createdAt: true,
    revokedAt: true,
  })
  .extend({ homeProxy: homeProxySchema.nullable() });
export type ResolvedAgent = z.infer<typeof resolvedAgentSchema>;
export const resolveAgentResponseSchema = z.object({ agent: resolvedAgentSchema });
export type ResolveAgentResponse = z.infer<typeof resolveAgentResponseSchema>;

/** `:id` of the agent routes: the agent's ULID or its full DID. */
export const agentRefSchema = z.union([ulidSchema, agentDidSchema]);
