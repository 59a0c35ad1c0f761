import { DurableObject } from "cloudflare:workers";
import {
  CLAW_HEADERS,
  type DeliveryReceiptData,
  type MessageStatusResponse,
  parseRelayProtocolVersion,
  RELAY_CLOSE_CODES,
  type RelayDeadLetter,
} from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { countBillable } from "../billing";
import { createSessionParts, type SessionParts } from "./assembly";
import type { RetryDeadLetterResult } from "./inbound";
import { toRelayMetrics } from "./maintenance";
import type { DeliveryReport, SentMessageInput, SubmitReceiptInput, SubmitReceiptResult } from "./outbound";
import { COUNTERS, type Revocation } from "./stores";
import {
  type AddTrustedPeerInput,
  type AdmissionInput,
  type AdmissionResult,
  type EnqueueInput,
  type EnqueueResult,
  type RedeemTicketInput,
  type RedeemTicketResult,
  type RelayMetrics,
  type RevokeInput,
  type RevokeResult,
  SESSION_AGENT_HEADER,
  SESSION_JTI_HEADER,
  type StoreReceiptResult,
} from "./types";

/**
 * One agent's relay session (named by its DID): its security state (nonces, revocation, rate
 * buckets), its trusted peers, its inbound queue and its connector's WebSocket, the receipts and
 * timeline of what it sent, and what it owes other sessions. The class only sequences calls:
 * each concern lives in a collaborator built by `createSessionParts`.
 */
export class AgentRelaySession extends DurableObject<Env> {
  readonly #parts: SessionParts;
  #flushingOutbound: Promise<boolean> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#parts = createSessionParts(ctx, env);
    // A session created by an older version gets the newer tables before it handles anything.
    void ctx.blockConcurrencyWhile(async () => {
      if (this.#parts.schema.isInitialised()) this.#ensureSchema();
    });
  }

  /** Stores one message for this agent; answers as soon as it is stored, never waiting for the connector. */
  async enqueue(input: EnqueueInput): Promise<EnqueueResult> {
    return (await this.enqueueBatch([input]))[0] as EnqueueResult;
  }

  /** Stores messages in one transaction, each admitted on its own in the order given; one result each. */
  async enqueueBatch(inputs: EnqueueInput[]): Promise<EnqueueResult[]> {
    const { schema, write, intake, pushAll } = this.#parts;
    if (!schema.isInitialised()) return inputs.map(() => ({ ok: false, refusal: "recipient_not_found" }));
    const nowMs = this.#parts.now();
    const results = write(() => inputs.map((input) => intake.enqueue(input, nowMs)));
    const more = results.some((result) => result.ok && result.state === "queued") && pushAll(nowMs);
    await this.#reschedule(nowMs, more);
    return results;
  }

  async redeemPairingTicket(input: RedeemTicketInput): Promise<RedeemTicketResult> {
    if (!this.#parts.schema.isInitialised()) return { ok: false, refusal: "initiator_unknown" };
    const nowMs = this.#parts.now();
    return this.#parts.write(() => this.#parts.trust.redeem(input, nowMs));
  }

  async addTrustedPeer(input: AddTrustedPeerInput) {
    const nowMs = this.#ensureSchema();
    return this.#parts.write(() => this.#parts.trust.addPeer(input, nowMs));
  }

  async listTrustedPeers() {
    return this.#parts.schema.isInitialised() ? this.#parts.trust.list() : [];
  }

  /** Ends the pairing on this side; null when the peer was not trusted, else where the peer is at home. */
  async removeTrustedPeer(peerDid: string): Promise<{ peerOrigin: string | null } | null> {
    if (!this.#parts.schema.isInitialised()) return null;
    return this.#parts.write(() => this.#parts.trust.remove(peerDid)) ?? null;
  }

  async getMetrics(): Promise<RelayMetrics> {
    this.#ensureSchema();
    return toRelayMetrics(this.#parts.messages, this.#parts.metrics);
  }

  /**
   * Refuses the agent (or one of its AITs) from now on, closes the matching sockets, and for the
   * whole agent dead-letters what is queued for it (the alarm finishes a long queue).
   */
  async revoke(input: RevokeInput): Promise<RevokeResult> {
    const nowMs = this.#ensureSchema();
    const { write, revocation, sockets, scheduler } = this.#parts;
    const result = write(() => revocation.revoke(input, nowMs));
    const closedSockets = result.duplicateEvent
      ? 0
      : input.scope === "agent"
        ? sockets.closeOpen(undefined, RELAY_CLOSE_CODES.revoked, "agent_revoked")
        : sockets.closeOpen(input.jti, RELAY_CLOSE_CODES.revoked, "ait_revoked");
    // What the closed socket had in flight is queued again now, for the agent's next connection.
    if (closedSockets > 0 && !sockets.hasOpen()) scheduler.handleSocketGone();
    await this.#reschedule(nowMs, result.moreQueued);
    return {
      recorded: result.recorded,
      duplicateEvent: result.duplicateEvent,
      closedSockets,
      deadLettered: result.deadLettered,
    };
  }

  /**
   * Whether this agent's `jti` is revoked here, as the queue or the event feed told this proxy;
   * checks a sender this proxy knows only from forwarded messages (PROTOCOL.md §11.5).
   */
  async findRevocation(jti: string): Promise<Revocation | null> {
    if (!this.#parts.schema.isInitialised()) return null;
    return this.#parts.revocation.findFor(jti) ?? null;
  }

  /** The recipient's receipts for messages this session delivered, in one transaction; published before the answer when possible. */
  async submitReceipts(inputs: SubmitReceiptInput[]): Promise<SubmitReceiptResult[]> {
    if (!this.#parts.schema.isInitialised()) return inputs.map(() => ({ ok: false, refusal: "forbidden" }));
    const nowMs = this.#parts.now();
    const results = this.#parts.write(() => inputs.map((input) => this.#parts.receiptIntake.submit(input, nowMs)));
    if (results.some((result) => result.ok && result.state === "accepted")) await this.flushOutbound();
    await this.#reschedule(nowMs);
    return results;
  }

  /** A receipt routed to this sender's session (a forwarded one): stored once, pushed to the connector. */
  async storeReceipt(data: DeliveryReceiptData): Promise<StoreReceiptResult> {
    const [result] = await this.storeReceipts([data]);
    return result as StoreReceiptResult;
  }

  /**
   * The receipts a queue batch holds for this sender, in one transaction and one push: each stored
   * once (a receipt already held is not stored or pushed again), one result per receipt, in order.
   */
  async storeReceipts(receiptsData: DeliveryReceiptData[]): Promise<StoreReceiptResult[]> {
    const { schema, write, senderReceipts, timeline, identity, pushAll } = this.#parts;
    if (!schema.isInitialised() || !identity.get()) {
      return receiptsData.map(() => ({ stored: false, senderKnown: false }));
    }
    const nowMs = this.#parts.now();
    const stored = write(() =>
      receiptsData.map((data) => {
        const fresh = senderReceipts.store(data, nowMs);
        if (fresh) timeline.recordReceipt(data, nowMs);
        return fresh;
      }),
    );
    await this.#reschedule(nowMs, stored.includes(true) && pushAll(nowMs));
    return stored.map((fresh) => ({ stored: fresh, senderKnown: true }));
  }

  /**
   * The sender's session stored these receipt events (the receipts consumer says so after
   * `storeReceipt`): they are no longer owed and never published again. Idempotent.
   */
  async confirmOutbound(eventIds: string[]): Promise<number> {
    const { schema, write, outbound, metrics } = this.#parts;
    if (!schema.isInitialised()) return 0;
    const nowMs = this.#parts.now();
    const confirmed = write(() => {
      const count = outbound.confirm(eventIds, nowMs);
      if (count > 0) metrics.increment(COUNTERS.receiptEventsConfirmed, count);
      return count;
    });
    if (confirmed > 0) await this.#reschedule(nowMs);
    return confirmed;
  }

  /**
   * What concurrent requests of this agent ask of its own session, in one call: their admissions
   * (nonce, revocation, rate; the agent made known), each on its own in the order given, and the
   * records (`accepted`, `queued`) of messages that earlier requests relayed. The admissions commit
   * in their own transaction first, so a timeline write that fails only logs (the recipient's first
   * delivery report creates the record too) and never refuses a request whose nonce is spent.
   */
  async senderBatch(admissions: AdmissionInput[], sent: SentMessageInput[]): Promise<AdmissionResult[]> {
    const { write, admission, timeline } = this.#parts;
    const nowMs = this.#ensureSchema();
    const results = admissions.length > 0 ? write(() => admissions.map((input) => admission.admit(input, nowMs))) : [];
    if (sent.length > 0) {
      try {
        write(() => {
          for (const input of sent) timeline.recordSent(input, nowMs);
        });
      } catch (error) {
        console.warn("sender timeline not updated", { messages: sent.length, error: String(error) });
      }
      await this.#reschedule(nowMs);
    }
    return results;
  }

  /** Delivery reports from a recipient's session, for this sender's timeline. */
  async recordReports(reports: DeliveryReport[]): Promise<void> {
    const nowMs = this.#ensureSchema();
    this.#parts.write(() => {
      for (const report of reports) this.#parts.timeline.recordReport(report, nowMs);
    });
    await this.#reschedule(nowMs);
  }

  /**
   * `senderDid` names this session's agent when it never signed a request here: a sender at home on
   * another proxy, whose messages' delivery reports this session still keeps (PROTOCOL.md §11.9).
   */
  async getMessageStatus(messageId: string, senderDid?: string): Promise<MessageStatusResponse | null> {
    if (!this.#parts.schema.isInitialised()) return null;
    const self = this.#parts.identity.get()?.agentDid ?? senderDid;
    return self ? (this.#parts.timeline.status(messageId, self) ?? null) : null;
  }

  async listDeadLetters(limit: number): Promise<RelayDeadLetter[]> {
    return this.#parts.schema.isInitialised() ? this.#parts.deadLetterAdmin.list(limit) : [];
  }

  async retryDeadLetter(messageId: string, senderDid?: string): Promise<RetryDeadLetterResult> {
    if (!this.#parts.schema.isInitialised()) return { ok: false, refusal: "not_found" };
    const nowMs = this.#parts.now();
    const result = this.#parts.write(() => this.#parts.deadLetterAdmin.retry(messageId, senderDid, nowMs));
    await this.#reschedule(nowMs, result.ok && this.#parts.pushAll(nowMs));
    return result;
  }

  async purgeDeadLetters(cutoffMs: number): Promise<number> {
    if (!this.#parts.schema.isInitialised()) return 0;
    const nowMs = this.#parts.now();
    const purged = this.#parts.write(() => this.#parts.deadLetterAdmin.purge(cutoffMs));
    await this.#reschedule(nowMs);
    return purged;
  }

  /** Sends due receipt events and delivery reports now (the alarm does it too); true when some are left. */
  async flushOutbound(): Promise<boolean> {
    if (!this.#parts.schema.isInitialised()) return false;
    this.#flushingOutbound ??= this.#parts.outboxFlusher.flush(this.#parts.now()).finally(() => {
      this.#flushingOutbound = undefined;
    });
    return this.#flushingOutbound;
  }

  /** Moves this session's metric deltas into the aggregate now (the alarm does it every interval). */
  async flushMetrics(): Promise<boolean> {
    if (!this.#parts.schema.isInitialised()) return true;
    return this.#parts.metricsFlusher.flush(this.#parts.now());
  }

  /** Only the WebSocket upgrade arrives here; the app authenticated and admitted the agent first. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const { schema, identity, sockets, scheduler, pushAll, write, metrics } = this.#parts;
    const nowMs = this.#parts.now();
    const agentDid = request.headers.get(SESSION_AGENT_HEADER);
    const jti = request.headers.get(SESSION_JTI_HEADER);
    const known = schema.isInitialised() ? identity.get() : undefined;
    if (!known || known.agentDid !== agentDid || !jti) return new Response("unknown agent", { status: 404 });
    const version = parseRelayProtocolVersion(request.headers.get(CLAW_HEADERS.relayProtocol));
    const { client, superseded } = sockets.accept({ version, jti, connectionId: createUlid(nowMs), nowMs });
    write(() => {
      metrics.increment(COUNTERS.socketsOpened);
      if (superseded > 0) metrics.increment(COUNTERS.socketsSuperseded, superseded);
    });
    if (superseded > 0) scheduler.handleSocketGone();
    await this.#reschedule(nowMs, pushAll(nowMs));
    return new Response(null, {
      status: 101,
      webSocket: client,
      headers: { [CLAW_HEADERS.relayProtocol]: String(version) },
    });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    countBillable("webSocketMessagesIn");
    const nowMs = this.#parts.now();
    const { changed, more } = this.#parts.write(() => this.#parts.frames.handle(ws, message, nowMs));
    if (changed) await this.#reschedule(nowMs, more);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.#parts.sockets.close(ws, code === 1005 || code === 1006 ? 1000 : code, reason);
    await this.#handleSocketEnd(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.#handleSocketEnd(ws);
  }

  override async alarm(): Promise<void> {
    countBillable("durableObjectAlarms");
    const { alarms, schema, write, scheduler, maintenance, metricsFlusher, pushAll } = this.#parts;
    alarms.markFired();
    if (!schema.isInitialised()) return;
    const nowMs = this.#parts.now();
    let moreDue = write(() => scheduler.runDue(nowMs) || maintenance.runDue(nowMs));
    maintenance.alarmRan();
    moreDue = (await this.flushOutbound()) || moreDue;
    if (metricsFlusher.isDue(nowMs)) await this.flushMetrics();
    await this.#reschedule(nowMs, pushAll(nowMs) || moreDue);
  }

  /** Creates the schema on first use; returns the current time. */
  #ensureSchema(): number {
    const nowMs = this.#parts.now();
    // A transaction only when there is something to migrate: not on every call of every request.
    if (!this.#parts.schema.isCurrent()) this.#parts.write(() => this.#parts.schema.ensure(nowMs));
    return nowMs;
  }

  async #handleSocketEnd(ws: WebSocket): Promise<void> {
    // A superseded socket's messages were requeued when the newer one took over.
    if (this.#parts.sockets.hasOpenOtherThan(ws) || !this.#parts.schema.isInitialised()) return;
    this.#parts.write(() => this.#parts.metrics.increment(COUNTERS.socketsClosed));
    this.#parts.scheduler.handleSocketGone();
    await this.#reschedule(this.#parts.now());
  }

  /** Sets the one alarm at the earliest due work; `immediately` when a batch limit left work undone. */
  async #reschedule(nowMs: number, immediately = false): Promise<void> {
    const { alarms, scheduler, maintenance, metricsFlusher } = this.#parts;
    metricsFlusher.startInterval(nowMs);
    if (immediately) alarms.holdWake(nowMs);
    await alarms.reschedule([
      ...scheduler.wakeTimesMs(nowMs),
      ...maintenance.wakeTimesMs(nowMs),
      metricsFlusher.wakeAtMs(nowMs),
    ]);
  }
}
