import {
  CLAW_HEADERS,
  type DeliveryReceiptBatchResult,
  deliveryReceiptBatchRequestSchema,
  type RelayBatchMessageResult,
  type RelayBatchRefusal,
  relayBatchMessageSchema,
  relayMessageBatchRequestSchema,
} from "@clawdentity/protocol";
import type { FakeAnswer, RecordedRequest, Responder } from "./fake-proxy";

/** An item's answer in a batch, from what the responder would have answered the single route. */
function toItemAnswer(answer: ReturnType<Responder>): { accepted: true; body: unknown } | RelayBatchRefusal {
  if (answer === "hold" || answer === "drop") throw new Error("a batch item cannot be held or dropped alone");
  if (answer.status >= 200 && answer.status < 300) return { accepted: true, body: answer.body };
  const error = (answer.body as { error?: { code?: string; message?: string } } | undefined)?.error;
  const retryAfter = answer.headers?.["retry-after"];
  return {
    outcome: "refused",
    httpStatus: answer.status,
    code: error?.code ?? "PROXY_INTERNAL",
    message: error?.message ?? "",
    ...(retryAfter ? { retryAfterSeconds: Number(retryAfter) } : {}),
  };
}

/**
 * `POST /v1/relay/messages/batch` as the proxy answers it: each item recorded as the single route
 * would have recorded it (its §4.3 headers), answered by the same responder, its outcome listed.
 */
export function answerMessageBatch(batch: RecordedRequest, responder: Responder, sink: RecordedRequest[]): FakeAnswer {
  // The fake holds the connector to every item's shape, stricter than the proxy's per-item refusal.
  const messages = relayMessageBatchRequestSchema
    .parse(batch.json)
    .messages.map((item) => relayBatchMessageSchema.parse(item));
  const results = messages.map((message): RelayBatchMessageResult => {
    const headers = new Headers(batch.headers);
    headers.set(CLAW_HEADERS.recipientAgentDid, message.recipientAgentDid);
    headers.set(CLAW_HEADERS.messageId, message.messageId);
    headers.set(CLAW_HEADERS.correlationId, message.correlationId ?? message.messageId);
    headers.set(CLAW_HEADERS.priority, message.priority ?? "normal");
    const item: RecordedRequest = { ...batch, headers, body: message.payload, json: JSON.parse(message.payload) };
    sink.push(item);
    const answer = toItemAnswer(responder(item));
    if (!("accepted" in answer)) return { ...answer, messageId: message.messageId };
    const correlationId = message.correlationId ?? message.messageId;
    return { outcome: "accepted", messageId: message.messageId, correlationId, state: "queued", queueDepth: 1 };
  });
  return { status: 200, body: { results } };
}

/** `POST /v1/relay/delivery-receipts/batch`, each receipt recorded and answered as the single route. */
export function answerReceiptBatch(batch: RecordedRequest, responder: Responder, sink: RecordedRequest[]): FakeAnswer {
  const { receipts } = deliveryReceiptBatchRequestSchema.parse(batch.json);
  const results = receipts.map((receipt): DeliveryReceiptBatchResult => {
    const item: RecordedRequest = { ...batch, body: JSON.stringify(receipt), json: receipt };
    sink.push(item);
    const answer = toItemAnswer(responder(item));
    const fields = { messageId: receipt.messageId, senderAgentDid: receipt.senderAgentDid, status: receipt.status };
    return "accepted" in answer ? { ...fields, outcome: "accepted", state: "accepted" } : { ...answer, ...fields };
  });
  return { status: 200, body: { results } };
}
