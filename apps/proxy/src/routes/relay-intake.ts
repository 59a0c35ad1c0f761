import { type AitClaims, DEFAULT_PRIORITY, type Priority, type RelayMessageHeaders } from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";
import type { RegistryClient } from "../auth";
import type { ProxyConfig } from "../config";
import { forwardToHome, type SignedMessage } from "../federation";
import { sessionStores } from "../relay-sessions";
import type { EnqueueInput, EnqueueResult, SentMessageInput } from "../session";
import { toEnqueueError } from "./message-admission";
import { recordSentSoon } from "./sent-recorder";

/** One message to relay: its §4.3 fields, its payload text (already checked) and what the sender signed for it. */
export interface RelayItem {
  headers: RelayMessageHeaders;
  payload: string;
  signed: SignedMessage;
}

export type RelayOutcome =
  | { ok: true; correlationId: string; state: "queued" | "duplicate"; queueDepth: number; priority: Priority }
  | { ok: false; error: AppError };

export interface RelayIntakeDeps {
  env: Env;
  config: ProxyConfig;
  registry: RegistryClient;
  claims: AitClaims;
  acceptedAtMs: number;
  waitUntil: (work: Promise<unknown>) => void;
}

const toEnqueueInput = (item: RelayItem, senderDid: string, acceptedAtMs: number): EnqueueInput => {
  const { headers, payload } = item;
  return {
    senderDid,
    messageId: headers.messageId,
    correlationId: headers.correlationId ?? headers.messageId,
    priority: headers.priority ?? DEFAULT_PRIORITY,
    payload,
    acceptedAtMs,
    ...(headers.conversationId ? { conversationId: headers.conversationId } : {}),
    ...(headers.replyTo ? { replyTo: headers.replyTo } : {}),
    ...(headers.traceparent ? { traceparent: headers.traceparent } : {}),
  };
};

/**
 * Stores messages of one sender (PROTOCOL.md §4.3): the messages for one recipient in one call
 * to its session (one transaction, stored in the order given), recipients in parallel. A
 * recipient never seen here may be at home on another proxy: each of its messages goes to that
 * proxy's outbox on its own proof. One outcome per item, in order; a refusal concerns its item alone.
 */
export async function relayMessages(deps: RelayIntakeDeps, items: RelayItem[]): Promise<RelayOutcome[]> {
  const { env, claims, acceptedAtMs } = deps;
  const senderDid = claims.sub;
  const byRecipient = new Map<string, number[]>();
  items.forEach((item, index) => {
    const recipient = item.headers.recipientAgentDid;
    byRecipient.set(recipient, [...(byRecipient.get(recipient) ?? []), index]);
  });

  const outcomes: RelayOutcome[] = new Array(items.length);
  await Promise.all(
    [...byRecipient].map(async ([recipientDid, indexes]) => {
      const inputs = indexes.map((index) => toEnqueueInput(items[index] as RelayItem, senderDid, acceptedAtMs));
      const results = await sessionStores.submit(env, recipientDid, inputs, deps.waitUntil);
      await Promise.all(
        indexes.map(async (index, position) => {
          const input = inputs[position] as EnqueueInput;
          const result = results[position] as EnqueueResult;
          outcomes[index] = await settleOne(deps, items[index] as RelayItem, input, result);
        }),
      );
    }),
  );

  const sent: SentMessageInput[] = [];
  outcomes.forEach((outcome, index) => {
    if (!outcome.ok) return;
    const { headers } = items[index] as RelayItem;
    const { correlationId, priority } = outcome;
    sent.push({
      messageId: headers.messageId,
      recipientDid: headers.recipientAgentDid,
      correlationId,
      priority,
      acceptedAtMs,
    });
  });
  // The answer does not wait for the sender's own timeline (its session is written after it).
  if (sent.length > 0) recordSentSoon(env, senderDid, sent, deps.waitUntil);
  return outcomes;
}

async function settleOne(
  deps: RelayIntakeDeps,
  item: RelayItem,
  input: EnqueueInput,
  result: EnqueueResult,
): Promise<RelayOutcome> {
  const { priority } = input;
  try {
    const forwarded =
      !result.ok && result.refusal === "recipient_not_found"
        ? await forwardToHome({
            env: deps.env,
            config: deps.config,
            registry: deps.registry,
            claims: deps.claims,
            headers: item.headers,
            signed: item.signed,
            correlationId: input.correlationId,
            priority,
            payload: input.payload,
            acceptedAtMs: deps.acceptedAtMs,
          })
        : null;
    if (forwarded) return { ok: true, ...forwarded, priority };
    if (!result.ok) return { ok: false, error: toEnqueueError(result) };
    return {
      ok: true,
      correlationId: result.correlationId,
      state: result.state,
      queueDepth: result.queueDepth,
      priority,
    };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, error };
    throw error;
  }
}
