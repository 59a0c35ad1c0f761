import type { DeliverFrame, Priority, ReceiptFrame, RelayFrame } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { frameBase } from "./fake-proxy";

/** A v2 `deliver` frame as the recipient's relay session would push it (`id` = messageId). */
export function createDeliverFrame(input: {
  from: string;
  to: string;
  payload?: unknown;
  messageId?: string;
  priority?: Priority;
  conversationId?: string;
  correlationId?: string;
  attempt?: number;
}): DeliverFrame {
  const messageId = input.messageId ?? createUlid();
  return {
    ...frameBase(),
    id: messageId,
    type: "deliver",
    fromAgentDid: input.from,
    toAgentDid: input.to,
    payload: input.payload ?? { text: "hi" },
    messageId,
    correlationId: input.correlationId ?? messageId,
    priority: input.priority ?? "normal",
    attempt: input.attempt ?? 1,
    ...(input.conversationId ? { conversationId: input.conversationId } : {}),
  };
}

export function createReceiptFrame(input: {
  messageId: string;
  to: string;
  status: ReceiptFrame["status"];
  reason?: string;
  correlationId?: string;
}): ReceiptFrame {
  return {
    ...frameBase(),
    type: "receipt",
    originalFrameId: input.messageId,
    toAgentDid: input.to,
    status: input.status,
    ...(input.reason ? { reason: input.reason } : {}),
    messageId: input.messageId,
    correlationId: input.correlationId ?? input.messageId,
    at: new Date().toISOString(),
  };
}

export function framesOfType<T extends RelayFrame["type"]>(frames: RelayFrame[], type: T) {
  return frames.filter((frame): frame is Extract<RelayFrame, { type: T }> => frame.type === type);
}
