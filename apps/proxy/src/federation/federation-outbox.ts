import { DurableObject } from "cloudflare:workers";
import {
  computeBackoffMs,
  FEDERATION_MAX_BATCH_BYTES,
  FEDERATION_MAX_BATCH_MESSAGES,
  FEDERATION_PATHS,
  type FederationMessage,
  type FederationMessageResult,
  federationMessageResultsSchema,
  PRIORITY_RANK,
} from "@clawdentity/protocol";
import { resolveProxyConfig } from "../config";
import { toRelaySession } from "../relay-sessions";
import { createRelaySessionRuntime } from "../session";
import { createSqlRunner } from "../storage";
import { createOutboxStore, type OutboxRow, type OutboxStore } from "./outbox-store";
import { createProxySigner } from "./proxy-signer";

const REQUEST_TIMEOUT_MS = 15_000;
/** `{"messages":[…]}` around the rows. */
const BATCH_ENVELOPE_BYTES = 1_024;

type DeadLetterReason = "proxy_unreachable" | "proxy_refused";

export interface ForwardInput {
  destination: string;
  message: FederationMessage;
  expiresAtMs: number;
}

export type ForwardResult = { state: "queued" | "duplicate"; correlationId: string; queueDepth: number };

/**
 * The federation outbox of ONE destination proxy (named by its origin), PROTOCOL.md §11.4: messages
 * for agents at home there are stored here first (the sender's 202), then sent in signed batches,
 * critical first. A failed batch backs the whole destination off and enough of them open its
 * circuit; the destination's answer per message settles it: taken, retried later, or dead-lettered
 * `proxy_refused`; a message still here at its TTL is dead-lettered `proxy_unreachable`. Dead
 * letters reach the sender as a `dead_lettered` receipt stored by its own relay session.
 */
export class FederationOutbox extends DurableObject<Env> {
  readonly #store: OutboxStore;
  readonly #runtime = createRelaySessionRuntime(resolveProxyConfig(this.env).relay);

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

  override async alarm(): Promise<void> {
    const nowMs = this.#runtime.clock.nowMs();
    for (const row of this.#store.takeExpired(nowMs)) await this.#deadLetter(row, "proxy_unreachable", nowMs);
    const destination = this.#store.readDestination();
    if (destination.circuit_open_until_ms <= nowMs && destination.next_attempt_at_ms <= nowMs) {
      await this.#sendBatch(nowMs);
    }
    await this.#schedule(nowMs);
  }

  async #sendBatch(nowMs: number): Promise<void> {
    const rows = this.#toBatch(this.#store.takeDue(nowMs, FEDERATION_MAX_BATCH_MESSAGES));
    if (rows.length === 0) return;
    const destination = this.#store.readDestination();
    const config = resolveProxyConfig(this.env);
    const signer = createProxySigner(config.federation, this.#runtime.clock);
    if (!signer) return;
    const body = JSON.stringify({ messages: rows.map((row) => JSON.parse(row.body)) });
    const url = `${destination.origin}${FEDERATION_PATHS.messages}`;
    let response: Response;
    try {
      const headers = await signer.sign({ method: "POST", url, body, audience: destination.origin });
      response = await fetch(url, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch {
      this.#recordFailure(nowMs);
      return;
    }
    if (response.status >= 500 || response.status === 429) {
      this.#recordFailure(nowMs);
      return;
    }
    this.#store.writeDestination({ ...destination, failures: 0, next_attempt_at_ms: 0, circuit_open_until_ms: 0 });
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
    } else if (result?.outcome === "refused") {
      await this.#deadLetter(row, "proxy_refused", nowMs);
    } else {
      const { retryBaseMs, retryMaxMs } = resolveProxyConfig(this.env).federation;
      const backoffMs = computeBackoffMs(row.attempts + 1, {
        baseMs: retryBaseMs,
        maxMs: retryMaxMs,
        random: this.#runtime.random,
      });
      const retryAfterMs = (result?.retryAfterSeconds ?? 0) * 1000;
      this.#store.retryLater(row.sender_did, row.message_id, nowMs + Math.max(backoffMs, retryAfterMs));
    }
  }

  #recordFailure(nowMs: number): void {
    const destination = this.#store.readDestination();
    const failures = destination.failures + 1;
    const { retryBaseMs, retryMaxMs } = resolveProxyConfig(this.env).federation;
    const { circuitFailureThreshold, circuitOpenMs } = this.#runtime.settings;
    this.#store.writeDestination({
      ...destination,
      failures,
      next_attempt_at_ms:
        nowMs + computeBackoffMs(failures, { baseMs: retryBaseMs, maxMs: retryMaxMs, random: this.#runtime.random }),
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
