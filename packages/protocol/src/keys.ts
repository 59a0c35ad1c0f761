import { z } from "zod";
import { base64urlSchema } from "./primitives";

export const REGISTRY_KEYS_PATH = "/.well-known/claw-keys.json";
export const REGISTRY_KEY_STATUSES = ["active", "revoked"] as const;

export const registryKeySchema = z.object({
  kid: z.string().min(1).max(128),
  alg: z.literal("EdDSA"),
  crv: z.literal("Ed25519"),
  x: base64urlSchema.length(43),
  status: z.enum(REGISTRY_KEY_STATUSES),
});
export type RegistryKey = z.infer<typeof registryKeySchema>;

export const registryKeysDocumentSchema = z.object({ keys: z.array(registryKeySchema) });
export type RegistryKeysDocument = z.infer<typeof registryKeysDocumentSchema>;
