import { z } from "zod";
import { agentNameSchema, frameworkSchema } from "./ait";
import { base64urlSchema, ulidSchema } from "./primitives";
import { aitLifetimeFields, hasOneLifetime, ONE_LIFETIME_MESSAGE, renewalPolicyFields } from "./renewal";

export const AGENT_REGISTRATION_VERSION = "CLAW-AGENT-REGISTRATION-V1";

export const agentChallengeRequestSchema = z.object({ publicKey: base64urlSchema.length(43) });
export const agentChallengeResponseSchema = z.object({
  challengeId: ulidSchema,
  nonce: z.string().min(1),
  ownerDid: z.string(),
  expiresAt: z.string(),
});
export type AgentChallengeRequest = z.infer<typeof agentChallengeRequestSchema>;
export type AgentChallengeResponse = z.infer<typeof agentChallengeResponseSchema>;

export const agentRegistrationRequestSchema = z
  .object({
    name: agentNameSchema,
    framework: frameworkSchema,
    publicKey: base64urlSchema.length(43),
    ...aitLifetimeFields,
    ...renewalPolicyFields,
    challengeId: ulidSchema,
    challengeSignature: base64urlSchema.min(1),
  })
  .refine(hasOneLifetime, ONE_LIFETIME_MESSAGE);
export type AgentRegistrationRequest = z.infer<typeof agentRegistrationRequestSchema>;

export interface AgentRegistrationTextInput {
  challengeId: string;
  nonce: string;
  ownerDid: string;
  publicKey: string;
  name: string;
}

/** The text an agent key signs to prove possession at registration; binds challenge, owner, key and name. */
export function toAgentRegistrationText(input: AgentRegistrationTextInput): string {
  return [AGENT_REGISTRATION_VERSION, input.challengeId, input.nonce, input.ownerDid, input.publicKey, input.name].join(
    "\n",
  );
}
