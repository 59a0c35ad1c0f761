import { DurableObject } from "cloudflare:workers";
import {
  computeBackoffMs,
  type DeliveryReceiptData,
  FEDERATION_MAX_BATCH_BYTES,
  FEDERATION_MAX_BATCH_MESSAGES,
  FEDERATION_PATHS,
  type FederationMessage,
  type FederationMessageResult,
  type FederationReceiptResult,
  federationMessageResultsSchema,
  federationReceiptResultsSchema,
  PRIORITY_RANK,
} from "@clawdentity/protocol";
import { resolveProxyConfig } from "../config";
import { toRelaySession } from "../relay-sessions";
import { createRelaySessionRuntime } from "../session";
import { createSqlRunner } from "../storage";
import { createOutboxStore, type OutboxRow, type OutboxStore, type ReceiptRow } from "./outbox-store";
import { postToProxy } from "./post-to-proxy";
import { createProxySigner } from "./proxy-signer";

/** `{"messages":[…]}` around the rows. */
const BATCH_ENVELOPE_BYTES = 1_024;
/** How long the outbox remembers which messages this destination took (receipts may follow for days). */
const FORWARDED_KEEP_MS = 7 * 24 * 3_600_000;

type DeadLetterReason = "proxy_unreachable" | "proxy_refused";

export interface ForwardInput {
  destination: string;
  message: FederationMessage;
  expiresAtMs: number;
}

export type ForwardResult = { state: "queued" | "duplicate"; correlationId: string; queueDepth: number };

export interface ReceiptForwardInput {
  destination: string;
  receipt: DeliveryReceiptData;
}

/**
 * The federation outbox of ONE destination proxy (named by its origin), PROTOCOL.md §11.4: messages
 * for agents at home there are stored here first (the sender's 202), then sent in signed batches,
 * critical first. A failed batch backs the whole destination off and enough of them open its
 * circuit; the destination's answer per message settles it: taken, retried later, or dead-lettered
 * `proxy_refused`; a message still here at its TTL is dead-lettered `proxy_unreachable`. Dead
 * letters reach the sender as a `dead_lettered` receipt stored by its own relay session.
 * Receipts for senders at home there (§11.6) wait here too and go in their own batches through the
 * same backoff and circuit; the outbox remembers which messages the destination took, the only
 * ones it may send receipts for.
 */
export class FederationOutbox extends DurableObject<Env> {
  readonly #store: OutboxStore;
  readonly #runtime = createRelaySessionRuntime(resolveProxyConfig(this.env));

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = createOutboxStore(createSqlRunner(ctx.storage.sql));
  }

  async enqueue(input: ForwardInput): Promise<ForwardResult> {
    const nowMs = this.#runtime.clock.nowMs();
    const { message } = input;
    const destination = this.#store.readDestination();
    if (destination.origin !== input.destination)
      this.#store.writeDestination({ ...destination, origin: input.destination });
    const stored = this.#store.insert({
      message,
      priorityRank: PRIORITY_RANK[message.priority],
      nowMs,
      expiresAtMs: input.expiresAtMs,
    });
    const correlationId =
      this.#store.findCorrelationId(message.senderAgentDid, message.messageId) ?? message.correlationId;
    await this.#schedule(nowMs);
    return { state: stored ? "queued" : "duplicate", correlationId, queueDepth: this.#store.depth() };
  }

  /** A receipt for a sender at home on the destination; stored once per (sender, messageId, recipient, status). */
  async enqueueReceipt(input: ReceiptForwardInput): Promise<{ stored: boolean }> {
    const nowMs = this.#runtime.clock.nowMs();
    const destination = this.#store.readDestination();
    if (destination.origin !== input.destination)
      this.#store.writeDestination({ ...destination, origin: input.destination });
    // A receipt waits as long as a message would (RELAY_MESSAGE_TTL_MS).
    const expiresAtMs = nowMs + this.#runtime.settings.messageTtlMs;
    const stored = this.#store.insertReceipt({ receipt: input.receipt, nowMs, expiresAtMs });
    await this.#schedule(nowMs);
    return { stored };
  }

  /** True when the destination took this message from this outbox (within the last 7 days). */
  async wasForwarded(senderDid: string, messageId: string): Promise<boolean> {
    return this.#store.wasForwarded(senderDid, messageId);
  }

  override async alarm(): Promise<void> {
    const nowMs = this.#runtime.clock.nowMs();
    for (const row of this.#store.takeExpired(nowMs)) await this.#deadLetter(row, "proxy_unreachable", nowMs);
    const dropped = this.#store.dropExpiredReceipts(nowMs);
    if (dropped > 0) console.warn("receipts for another proxy expired unsent", { dropped });
    this.#store.pruneForwarded(nowMs - FORWARDED_KEEP_MS);
    if (this.#mayTry(nowMs)) await this.#sendBatch(nowMs);
    if (this.#mayTry(nowMs)) await this.#sendReceipts(nowMs);
    await this.#schedule(nowMs);
  }

  #mayTry(nowMs: number): boolean {
    const destination = this.#store.readDestination();
    return destination.circuit_open_until_ms <= nowMs && destination.next_attempt_at_ms <= nowMs;
  }

  async #sendBatch(nowMs: number): Promise<void> {
    const rows = this.#toBatch(this.#store.takeDue(nowMs, FEDERATION_MAX_BATCH_MESSAGES));
    if (rows.length === 0) return;
    const body = JSON.stringify({ messages: rows.map((row) => JSON.parse(row.body)) });
    const response = await this.#post(FEDERATION_PATHS.messages, body, nowMs);
    if (!response) return;
    if (!response.ok) {
      // The whole batch was refused (a signature, shape or size the destination will not take).
      for (const row of rows) await this.#deadLetter(row, "proxy_refused", nowMs);
      return;
    }
    const parsed = federationMessageResultsSchema.safeParse(await response.json().catch(() => null));
    if (!parsed.success) {
      this.#recordFailure(nowMs);
      return;
    }
    for (const row of rows) await this.#settle(row, this.#findResult(parsed.data.results, row), nowMs);
  }

  /** PROTOCOL.md §11.6: a receipt leaves only once the destination answered that the sender's session stored it. */
  async #sendReceipts(nowMs: number): Promise<void> {
    const rows = this.#store.takeDueReceipts(nowMs, FEDERATION_MAX_BATCH_MESSAGES);
    if (rows.length === 0) return;
    const body = JSON.stringify({ receipts: rows.map((row) => JSON.parse(row.body)) });
    const response = await this.#post(FEDERATION_PATHS.receipts, body, nowMs);
    if (!response) return;
    if (!response.ok) {
      console.warn("another proxy refused a batch of receipts", { status: response.status, count: rows.length });
      for (const row of rows) this.#store.removeReceipt(row);
      return;
    }
    const parsed = federationReceiptResultsSchema.safeParse(await response.json().catch(() => null));
    if (!parsed.success) {
      this.#recordFailure(nowMs);
      return;
    }
    for (const row of rows) {
      const result = parsed.data.results.find((candidate) => isResultFor(candidate, row));
      if (result?.outcome === "stored") this.#store.removeReceipt(row);
      else if (result?.outcome === "refused") {
        console.warn("another proxy refused a receipt", { messageId: row.message_id, code: result.code });
        this.#store.removeReceipt(row);
      } else this.#store.retryReceiptLater(row, nowMs + this.#backoffMs(row.attempts + 1));
    }
  }

  /**
   * One signed POST to the destination. Null when it counts against the destination (network
   * failure, timeout, 429, 5xx; recorded here); otherwise the destination is healthy again.
   */
  async #post(path: string, body: string, nowMs: number): Promise<Response | null> {
    const destination = this.#store.readDestination();
    const signer = createProxySigner(resolveProxyConfig(this.env).federation, this.#runtime.clock);
    if (!signer) return null;
    let response: Response;
    try {
      response = await postToProxy(signer, destination.origin, path, body);
    } catch {
      this.#recordFailure(nowMs);
      return null;
    }
    if (response.status >= 500 || response.status === 429) {
      this.#recordFailure(nowMs);
      return null;
    }
    this.#store.writeDestination({ ...destination, failures: 0, next_attempt_at_ms: 0, circuit_open_until_ms: 0 });
    return response;
  }

  #backoffMs(attempt: number): number {
    const { retryBaseMs, retryMaxMs } = resolveProxyConfig(this.env).federation;
    return computeBackoffMs(attempt, { baseMs: retryBaseMs, maxMs: retryMaxMs, random: this.#runtime.random });
  }

  /**
   * Packs due rows within the destination's body limit (UTF-8 bytes, with room for the envelope);
   * the first always goes: one message of the relay's maximum size is far below the limit.
   */
  #toBatch(rows: OutboxRow[]): OutboxRow[] {
    const encoder = new TextEncoder();
    const budget = FEDERATION_MAX_BATCH_BYTES - BATCH_ENVELOPE_BYTES;
    const batch: OutboxRow[] = [];
    let bytes = 0;
    for (const row of rows) {
      bytes += encoder.encode(row.body).byteLength + 1;
      if (batch.length > 0 && bytes > budget) break;
      batch.push(row);
    }
    return batch;
  }

  #findResult(results: FederationMessageResult[], row: OutboxRow): FederationMessageResult | undefined {
    return results.find((result) => result.messageId === row.message_id && result.senderAgentDid === row.sender_did);
  }

  async #settle(row: OutboxRow, result: FederationMessageResult | undefined, nowMs: number): Promise<void> {
    if (result?.outcome === "queued" || result?.outcome === "duplicate") {
      this.#store.remove(row.sender_did, row.message_id);
      this.#store.markForwarded(row.sender_did, row.message_id, nowMs);
    } else if (result?.outcome === "refused") {
      await this.#deadLetter(row, "proxy_refused", nowMs);
    } else {
      const retryAfterMs = (result?.retryAfterSeconds ?? 0) * 1000;
      const delayMs = Math.max(this.#backoffMs(row.attempts + 1), retryAfterMs);
      this.#store.retryLater(row.sender_did, row.message_id, nowMs + delayMs);
    }
  }

  #recordFailure(nowMs: number): void {
    const destination = this.#store.readDestination();
    const failures = destination.failures + 1;
    const { circuitFailureThreshold, circuitOpenMs } = this.#runtime.settings;
    this.#store.writeDestination({
      ...destination,
      failures,
      next_attempt_at_ms: nowMs + this.#backoffMs(failures),
      circuit_open_until_ms: failures >= circuitFailureThreshold ? nowMs + circuitOpenMs : 0,
    });
  }

  /** The row goes only once the sender's session stored the receipt (it is idempotent): nothing is lost in between. */
  async #deadLetter(row: OutboxRow, reason: DeadLetterReason, nowMs: number): Promise<void> {
    const message = JSON.parse(row.body) as FederationMessage;
    await toRelaySession(this.env, message.senderAgentDid).storeReceipt({
      messageId: message.messageId,
      correlationId: message.correlationId,
      senderAgentDid: message.senderAgentDid,
      recipientAgentDid: message.recipientAgentDid,
      status: "dead_lettered",
      reason,
      at: new Date(nowMs).toISOString(),
    });
    this.#store.remove(row.sender_did, row.message_id);
  }

  /** Wakes for the next due row once the destination may be tried, or sooner for an expiry. */
  async #schedule(nowMs: number): Promise<void> {
    const next = this.#store.nextTimes();
    if (next === null) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    const destination = this.#store.readDestination();
    const gate = Math.max(destination.next_attempt_at_ms, destination.circuit_open_until_ms);
    await this.ctx.storage.setAlarm(Math.max(nowMs, Math.min(next.expiresAtMs, Math.max(next.dueAtMs, gate))));
  }
}

function isResultFor(result: FederationReceiptResult, row: ReceiptRow): boolean {
  return (
    result.messageId === row.message_id &&
    result.senderAgentDid === row.sender_did &&
    result.recipientAgentDid === row.recipient_did &&
    result.status === row.status
  );
}
