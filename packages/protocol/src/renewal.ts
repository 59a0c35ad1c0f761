import { z } from "zod";
import { ttlDaysSchema, ttlSecondsSchema } from "./ait";
import { base64urlSchema, isoTimestampSchema } from "./primitives";

/**
 * The owner's renewal policy of one agent: whether it may renew its own AIT
 * (`POST /v1/agents/renew`), and for how long after the owner last issued it one (registration
 * or reissue) before the owner must act again.
 */
export const AGENT_RENEWAL_DEFAULTS = { selfRenewal: true, maxLifetimeDays: 365 } as const;
export const MAX_LIFETIME_DAYS_LIMIT = 3_650;
export const maxLifetimeDaysSchema = z.number().int().min(1).max(MAX_LIFETIME_DAYS_LIMIT);

/** The policy as the owner sees it on the agent record. */
export const agentRenewalSchema = z.object({
  selfRenewal: z.boolean(),
  maxLifetimeDays: maxLifetimeDaysSchema,
  /** The owner's last registration or reissue: the lifetime counts from here. */
  lifetimeStartedAt: isoTimestampSchema,
  /** `lifetimeStartedAt + maxLifetimeDays`: no self-renewed AIT outlives it. */
  renewableUntil: isoTimestampSchema,
});
export type AgentRenewal = z.infer<typeof agentRenewalSchema>;

/** Policy fields an owner may set at registration and with `PATCH /v1/agents/:id/renewal`. */
export const renewalPolicyFields = {
  selfRenewal: z.boolean().optional(),
  maxLifetimeDays: maxLifetimeDaysSchema.optional(),
};

/** Body of `PATCH /v1/agents/:id/renewal`: at least one field. */
export const agentRenewalPolicyRequestSchema = z
  .object(renewalPolicyFields)
  .refine((body) => body.selfRenewal !== undefined || body.maxLifetimeDays !== undefined, {
    message: "set selfRenewal, maxLifetimeDays or both",
  });
export type AgentRenewalPolicyRequest = z.infer<typeof agentRenewalPolicyRequestSchema>;

/** An AIT lifetime: whole days or seconds, not both (neither: the default or the agent's own). */
export const aitLifetimeFields = { ttlDays: ttlDaysSchema.optional(), ttlSeconds: ttlSecondsSchema.optional() };

export function hasOneLifetime(body: { ttlDays?: number | undefined; ttlSeconds?: number | undefined }): boolean {
  return body.ttlDays === undefined || body.ttlSeconds === undefined;
}
export const ONE_LIFETIME_MESSAGE = { message: "give ttlDays or ttlSeconds, not both", path: ["ttlSeconds"] };

/**
 * A renewal whose answer was lost can be asked again, signed with the AIT it renewed away from,
 * for this long: the registry answers the agent's current AIT and changes nothing.
 */
export const RENEWAL_RECOVERY_SECONDS = 600;

export const KEY_ROTATION_VERSION = "CLAW-KEY-ROTATION-V1";

/**
 * Body of `POST /v1/agents/renew` (signed by the agent, PROTOCOL.md §2); may be empty. `newKey`
 * rotates the agent's key: `proof` is the new key's signature over `toKeyRotationText`.
 */
export const agentRenewalRequestSchema = z.object({
  newKey: z.object({ publicKey: base64urlSchema.length(43), proof: base64urlSchema.min(1) }).optional(),
});
export type AgentRenewalRequest = z.infer<typeof agentRenewalRequestSchema>;

export interface KeyRotationTextInput {
  agentDid: string;
  /** The `jti` of the AIT the renewal request carries. */
  jti: string;
  /** The renewal request's `X-Claw-Nonce`. */
  nonce: string;
  publicKey: string;
}

/** What the new key signs: binds it to this agent, this AIT and this one request. */
export function toKeyRotationText(input: KeyRotationTextInput): string {
  return [KEY_ROTATION_VERSION, input.agentDid, input.jti, input.nonce, input.publicKey].join("\n");
}
