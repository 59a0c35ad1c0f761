import type { AitClaims, SignedAgentRequest } from "@clawdentity/protocol";
import { ClawAuthError, type Clock, toNowSeconds, verifySignedAgentRequest } from "@clawdentity/sdk";
import type { RegistryClient } from "../auth";
import type { ProxyConfig } from "../config";
import { toSignedConnect } from "../federation";

/** The agent's own signed request this proxy just authenticated, with its body, to relay as evidence. */
export function toSignedAgentRequest(request: Request, body: Uint8Array): SignedAgentRequest {
  const signed = toSignedConnect(request);
  if (!signed) throw new ClawAuthError("MISSING_HEADER", "the request carries no Claw signature");
  return { ...signed, body: new TextDecoder().decode(body) };
}

/**
 * PROTOCOL.md §11.7 on the receiving proxy: the agent's request another proxy relays, checked end
 * to end (method and path, AIT, proof over the body, the 300 s window) and its AIT not on the CRL.
 * Throws ClawAuthError (401 `PROXY_AUTH_<reason>`); answers the agent's AIT claims.
 */
export async function verifyRelayedAgentRequest(
  deps: { config: ProxyConfig; clock: Clock; registry: RegistryClient },
  input: { method: string; path: string; request: SignedAgentRequest },
): Promise<AitClaims> {
  const { config, clock, registry } = deps;
  const { request } = input;
  if (request.pathWithQuery !== input.path) {
    throw new ClawAuthError("INVALID_PROOF", `the relayed request is not ${input.method} ${input.path}`);
  }
  const { claims } = await verifySignedAgentRequest({
    method: input.method,
    request,
    body: request.body,
    keys: registry.keys,
    nowSeconds: toNowSeconds(clock),
    issuer: config.registryIssuer,
  });
  if (await registry.crl.findRevocation(claims.jti)) {
    throw new ClawAuthError("AGENT_REVOKED", "the agent's AIT is on the registry's revocation list");
  }
  return claims;
}
