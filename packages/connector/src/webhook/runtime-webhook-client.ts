import { CLAW_HEADERS, DELIVERY_CONTENT_TYPE } from "@clawdentity/protocol";
import type { Clock } from "../clock";
import { callHttp, type FetchLike } from "../http";
import { type RemoteOutcome, toWebhookOutcome } from "../proxy";

export interface RuntimeWebhookClient {
  /** POSTs one JSON body (delivery or receipt notice) to the runtime and classifies the answer. */
  post(input: { messageId: string; correlationId: string; body: string }, signal: AbortSignal): Promise<RemoteOutcome>;
}

/**
 * The agent runtime's webhook (PROTOCOL.md §9). Deliveries and receipt notices share the content type;
 * the body's `type` tells them apart. `X-Claw-Correlation-Id` rides along as on every hop.
 */
export function createRuntimeWebhookClient(options: {
  url: string;
  fetch: FetchLike;
  timeoutMs: number;
  clock: Clock;
}): RuntimeWebhookClient {
  return {
    async post(input, signal) {
      const result = await callHttp({
        fetch: options.fetch,
        url: options.url,
        method: "POST",
        headers: {
          "content-type": DELIVERY_CONTENT_TYPE,
          [CLAW_HEADERS.messageId]: input.messageId,
          [CLAW_HEADERS.correlationId]: input.correlationId,
        },
        body: input.body,
        timeoutMs: options.timeoutMs,
        signal,
      });
      return toWebhookOutcome(result, options.clock.now());
    },
  };
}
