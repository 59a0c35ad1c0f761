import type { AitClaims } from "@clawdentity/protocol";

/** The agent a request was signed by, after the auth middleware verified and admitted it. */
export interface AuthenticatedAgent {
  did: string;
  jti: string;
  claims: AitClaims;
}

declare module "hono" {
  interface ContextVariableMap {
    agent: AuthenticatedAgent;
    /** The request body exactly as signed. */
    rawBody: Uint8Array;
    /** A batch granted fewer rate tokens than it has messages: the rest are refused one by one. */
    rateShortfall: { granted: number; retryAfterSeconds: number } | null;
  }
}

export type ProxyEnv = { Bindings: Env };
