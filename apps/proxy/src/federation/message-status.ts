import {
  FEDERATION_PATHS,
  type FederationMessageStatusRequest,
  type MessageStatusResponse,
  messageStatusResponseSchema,
} from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";
import type { RegistryClient } from "../auth";
import type { ProxyConfig } from "../config";
import { toRelaySession } from "../relay-sessions";
import { postToProxy } from "./post-to-proxy";
import type { ProxySigner } from "./proxy-signer";

/**
 * PROTOCOL.md §11.9 on the recipient's side: this proxy's timeline of a message forwarded to it
 * (kept in the sender's session here by the recipient's delivery reports), for the sender's home
 * proxy only: another proxy learns nothing of it.
 */
export async function readForwardedMessageStatus(
  deps: { env: Env; registry: RegistryClient },
  origin: string,
  request: FederationMessageStatusRequest,
): Promise<MessageStatusResponse> {
  const home = await deps.registry.resolveHome(request.senderAgentDid).catch(() => null);
  const status =
    home?.origin === origin
      ? await toRelaySession(deps.env, request.senderAgentDid).getMessageStatus(
          request.messageId,
          request.senderAgentDid,
        )
      : null;
  if (!status) {
    throw new AppError("PROXY_MESSAGE_NOT_FOUND", 404, "no message of an agent at home on the asking proxy");
  }
  return status;
}

/**
 * PROTOCOL.md §11.9 on the sender's side: when the recipient is at home on another proxy, that
 * proxy's timeline of the message, to show beside this one's. Best effort: a trace without it is
 * still a trace, so any failure leaves it out.
 */
export async function askPeerProxyTimeline(
  deps: { config: ProxyConfig; registry: RegistryClient; signer: ProxySigner | null },
  status: MessageStatusResponse,
): Promise<MessageStatusResponse["peerProxy"]> {
  const { config, registry, signer } = deps;
  if (!signer) return undefined;
  try {
    const home = await registry.resolveHome(status.recipientAgentDid);
    if (!home || home.origin === config.federation.origin) return undefined;
    const body = JSON.stringify({ messageId: status.messageId, senderAgentDid: status.senderAgentDid });
    const response = await postToProxy(signer, home.origin, FEDERATION_PATHS.messageStatus, body);
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    const peer = messageStatusResponseSchema.parse(await response.json());
    return { origin: home.origin, timeline: peer.timeline };
  } catch (error) {
    console.warn("peer proxy's timeline not read", { messageId: status.messageId, error: String(error) });
    return undefined;
  }
}
