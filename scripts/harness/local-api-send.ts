import { createConnectorClient } from "../../packages/cli/src/http/index.ts";
import { readAgentConfig } from "../../packages/connector/src/index.ts";
import { outboundRequestSchema } from "../../packages/protocol/src/index.ts";
import type { SendOptions, SentMessage } from "./agent-flows";
import type { ConnectorProcess } from "./connector-process";

/** Runs `task` over `items` with at most `limit` at a time; results in the items' order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Sends messages straight to the sender connector's local API (`POST /v1/outbound`, what `send`
 * does, through the CLI's own connector client and bearer token) without a CLI start-up per message,
 * at most `concurrency` requests at a time. Resolves once every message is accepted (in its outbox).
 */
export async function sendBurst(input: {
  home: string;
  from: ConnectorProcess;
  toDid: string;
  payloads: readonly unknown[];
  /** One idempotency key would make every message of a burst the same message, so there is none. */
  options?: Omit<SendOptions, "idempotencyKey">;
  concurrency?: number;
}): Promise<SentMessage[]> {
  const { localApiToken } = readAgentConfig({ home: input.home, agentName: input.from.agent });
  const client = createConnectorClient({ fetch, localApiUrl: input.from.started.localApiUrl, token: localApiToken });
  const { conversation, replyTo, priority } = input.options ?? {};
  return mapWithConcurrency(input.payloads, input.concurrency ?? 16, (payload) =>
    client.send(
      outboundRequestSchema.parse({
        toAgentDid: input.toDid,
        payload,
        ...(priority ? { priority } : {}),
        ...(conversation ? { conversationId: conversation } : {}),
        ...(replyTo ? { replyTo } : {}),
      }),
    ),
  );
}
