import type { DeliveryReceiptData, FederationReceiptResult, ProxyErrorCode } from "@clawdentity/protocol";
import { toRelaySession } from "../relay-sessions";
import { toFederationOutbox } from "./forward-to-home";

/**
 * PROTOCOL.md §11.6 on the sender's side: a receipt from `origin` is taken only for a message this
 * proxy forwarded to that origin (or is forwarding: its answer did not come yet), then stored in the sender's relay session exactly like a local
 * receipt (once per messageId, recipient and status; a repeat is `stored` again, nothing new).
 */
export async function takeForwardedReceipt(
  env: Env,
  origin: string,
  receipt: DeliveryReceiptData,
): Promise<FederationReceiptResult> {
  const base = {
    messageId: receipt.messageId,
    senderAgentDid: receipt.senderAgentDid,
    recipientAgentDid: receipt.recipientAgentDid,
    status: receipt.status,
  };
  const forwarded = await toFederationOutbox(env, origin).wasForwarded(receipt.senderAgentDid, receipt.messageId);
  const refused = (code: ProxyErrorCode): FederationReceiptResult => ({ ...base, outcome: "refused", code });
  if (!forwarded) return refused("PROXY_RECEIPT_NOT_FORWARDED");
  const result = await toRelaySession(env, receipt.senderAgentDid).storeReceipt(receipt);
  if (!result.senderKnown) return refused("PROXY_RECIPIENT_NOT_FOUND");
  return { ...base, outcome: "stored" };
}
