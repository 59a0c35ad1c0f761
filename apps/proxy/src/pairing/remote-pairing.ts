import {
  errorEnvelopeSchema,
  FEDERATION_PAIRING_PATHS,
  type FederationPairingConfirm,
  type FederationPairingConfirmResponse,
  type FederationUnpair,
  federationPairingConfirmResponseSchema,
  type PairingTicketClaims,
  PROXY_ERROR_CODES,
  type ProxyErrorCode,
  type SignedAgentRequest,
  type TrustPeerRemovalResponse,
} from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { RegistryClient } from "../auth";
import { type ProxySigner, postToProxy } from "../federation";

const unreachable = (why: string) =>
  new AppError("PROXY_FEDERATION_PEER_UNREACHABLE", 502, `the other proxy did not answer usably: ${why}`);
const invalidTicket = (why: string) => new AppError("PROXY_PAIRING_TICKET_INVALID", 400, why);

const isProxyErrorCode = (code: string): code is ProxyErrorCode =>
  (PROXY_ERROR_CODES as readonly string[]).includes(code);

/** The other proxy's refusal as its own envelope said it, or null when the answer is not one. */
async function readRefusal(response: Response): Promise<AppError | null> {
  if (response.status < 400 || response.status >= 500) return null;
  const envelope = errorEnvelopeSchema.safeParse(await response.json().catch(() => null));
  if (!envelope.success || !isProxyErrorCode(envelope.data.error.code)) return null;
  const { code, message, details } = envelope.data.error;
  return new AppError(code, response.status as ContentfulStatusCode, message, details);
}

/**
 * PROTOCOL.md §11.7 on the confirming peer's proxy: a ticket naming another proxy. That proxy must
 * be registered and active under the key the ticket names (nothing is sent to an origin the
 * registry does not vouch for); the peer's own signed confirm goes there, and only its 201, for this
 * very ticket, lets the peer's row be stored. Its refusals reach the agent unchanged.
 */
export async function confirmAtIssuer(input: {
  signer: ProxySigner | null;
  registry: RegistryClient;
  claims: PairingTicketClaims & { iss: string };
  confirm: SignedAgentRequest;
}): Promise<FederationPairingConfirmResponse> {
  const { signer, claims } = input;
  if (!signer) throw invalidTicket("the ticket is from another proxy and federation is off on this one");
  if (!claims.proxyKid) throw invalidTicket("the ticket names no registered proxy key");
  const proxy = await input.registry.proxyKeys(claims.proxyKid);
  if (proxy?.status !== "active" || proxy.origin !== claims.iss) {
    throw invalidTicket("the ticket's proxy is not a registered, active proxy");
  }
  const body: FederationPairingConfirm = { confirm: input.confirm };
  let response: Response;
  try {
    response = await postToProxy(signer, claims.iss, FEDERATION_PAIRING_PATHS.confirm, JSON.stringify(body));
  } catch (error) {
    throw unreachable(String(error));
  }
  if (response.status !== 201) throw (await readRefusal(response)) ?? unreachable(`status ${response.status}`);
  const answer = federationPairingConfirmResponseSchema.safeParse(await response.json().catch(() => null));
  if (!answer.success || answer.data.initiatorAgentDid !== claims.sub || answer.data.ticketId !== claims.jti) {
    throw unreachable("the answer is not about this ticket");
  }
  return answer.data;
}

/**
 * PROTOCOL.md §11.7: the agent's own signed `DELETE /v1/trust/peers/:did`, sent to the peer's proxy
 * after the trust was removed here. Null when that proxy removed its row (or had none); otherwise
 * why it could not be told. The local removal stands either way.
 */
export async function unpairAtPeer(input: {
  signer: ProxySigner | null;
  peerOrigin: string;
  unpair: SignedAgentRequest;
}): Promise<TrustPeerRemovalResponse | null> {
  const notNotified = (code: string): TrustPeerRemovalResponse => ({ peerNotified: false, code });
  if (!input.signer) return notNotified("PROXY_FEDERATION_PEER_UNREACHABLE");
  const body: FederationUnpair = { unpair: input.unpair };
  let response: Response;
  try {
    response = await postToProxy(input.signer, input.peerOrigin, FEDERATION_PAIRING_PATHS.unpair, JSON.stringify(body));
  } catch (error) {
    console.warn("the peer's proxy could not be told of an unpairing", { error: String(error) });
    return notNotified("PROXY_FEDERATION_PEER_UNREACHABLE");
  }
  if (response.status === 204) return null;
  const refusal = await readRefusal(response);
  if (refusal?.code === "PROXY_PEER_NOT_FOUND") return null;
  console.warn("the peer's proxy refused an unpairing", { status: response.status, code: refusal?.code });
  return notNotified(refusal?.code ?? "PROXY_FEDERATION_PEER_UNREACHABLE");
}
