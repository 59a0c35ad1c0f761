import type { AgentConfigFile } from "@clawdentity/connector";
import { CLAW_HEADERS, DELIVERY_CONTENT_TYPE, type PingWebhookBody } from "@clawdentity/protocol";
import { createUlid, signWebhook } from "@clawdentity/sdk";

export type PingResult =
  | { answered: true; status: number; ms: number; retryAfter: string | null }
  | { answered: false; error: string; ms: number };

/**
 * One `clawdentity.ping.v1` to the agent's delivery target exactly as the connector calls it: the
 * configured headers, `Idempotency-Key`, and the Standard Webhooks signature when the agent has a
 * secret. A runtime answers it 2xx without doing any work (the OpenClaw transform: 204).
 */
export async function pingWebhook(input: {
  fetch: typeof fetch;
  agentDid: string;
  config: AgentConfigFile;
  timeoutMs: number;
}): Promise<PingResult> {
  const body: PingWebhookBody = {
    type: "clawdentity.ping.v1",
    pingId: createUlid(),
    agentDid: input.agentDid,
    at: new Date().toISOString(),
  };
  const text = JSON.stringify(body);
  const secret = input.config.webhook?.secret;
  const signature = secret ? await signWebhook({ secret, id: body.pingId, body: text }) : {};
  const started = Date.now();
  try {
    const response = await input.fetch(input.config.deliveryWebhookUrl, {
      method: "POST",
      headers: {
        ...input.config.webhook?.headers,
        ...signature,
        "content-type": DELIVERY_CONTENT_TYPE,
        [CLAW_HEADERS.idempotencyKey]: body.pingId,
      },
      body: text,
      redirect: "manual",
      signal: AbortSignal.timeout(input.timeoutMs),
    });
    await response.body?.cancel().catch(() => undefined);
    return {
      answered: true,
      status: response.status,
      ms: Date.now() - started,
      retryAfter: response.headers.get("retry-after"),
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const timedOut = (error as Error).name === "TimeoutError";
    return {
      answered: false,
      error: timedOut ? `no answer within ${input.timeoutMs} ms` : (cause ?? (error as Error).message),
      ms: Date.now() - started,
    };
  }
}
