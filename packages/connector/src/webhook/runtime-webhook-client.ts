import { CLAW_HEADERS, DELIVERY_CONTENT_TYPE } from "@clawdentity/protocol";
import type { Clock } from "@clawdentity/sdk";
import { signWebhook } from "@clawdentity/sdk";
import type { WebhookTarget } from "../config";
import { callHttp, type HttpTransport, hmacSha256 } from "../http";
import { type RemoteOutcome, toWebhookOutcome } from "../proxy";

export interface RuntimeWebhookCall {
  /** Stable across retries of one body: the messageId of a delivery, the notice's own id otherwise. */
  webhookId: string;
  messageId: string;
  correlationId: string;
  body: string;
}

export interface RuntimeWebhookClient {
  /** POSTs one JSON body (delivery or notice) to the runtime and classifies the answer. */
  post(input: RuntimeWebhookCall, signal: AbortSignal): Promise<RemoteOutcome>;
  /** Later calls go to this target (the agent's config changed while the connector runs). */
  setTarget(target: WebhookTarget): void;
}

/**
 * The agent runtime's webhook (PROTOCOL.md §9). Deliveries and notices share the content type;
 * the body's `type` tells them apart. `Idempotency-Key` is the webhook id, the same on every retry,
 * so a runtime that keeps keys (OpenClaw) runs a delivery once even when its answer was lost. With
 * a secret every call carries Standard Webhooks `webhook-id`, `webhook-timestamp` and
 * `webhook-signature` over the exact body sent.
 */
export function createRuntimeWebhookClient(options: {
  target: WebhookTarget;
  http: HttpTransport;
  timeoutMs: number;
  clock: Clock;
}): RuntimeWebhookClient {
  let target = options.target;
  return {
    async post(input, signal) {
      const { url, headers, secret } = target;
      // Signed at real time, like every request signature: a runtime checks it against its own clock.
      const signature = secret
        ? await signWebhook({ secret, id: input.webhookId, body: input.body, mac: hmacSha256 })
        : {};
      const result = await callHttp({
        http: options.http,
        url,
        method: "POST",
        headers: {
          ...headers,
          ...signature,
          "content-type": DELIVERY_CONTENT_TYPE,
          [CLAW_HEADERS.idempotencyKey]: input.webhookId,
          [CLAW_HEADERS.messageId]: input.messageId,
          [CLAW_HEADERS.correlationId]: input.correlationId,
        },
        body: input.body,
        timeoutMs: options.timeoutMs,
        signal,
      });
      return toWebhookOutcome(result, options.clock.nowMs());
    },
    setTarget(next) {
      target = next;
    },
  };
}
