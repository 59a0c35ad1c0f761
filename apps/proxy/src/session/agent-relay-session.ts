import { DurableObject } from "cloudflare:workers";
import { CLAW_HEADERS, parseRelayProtocolVersion, RELAY_CLOSE_CODES } from "@clawdentity/protocol";
import { resolveProxyConfig } from "../config";
import { type AdmissionPolicy, createAdmissionPolicy } from "./admission-policy";
import { type AlarmPlanner, createAlarmPlanner } from "./alarm-planner";
import { createDeadLetterRecorder } from "./dead-lettering";
import { createDeliveryScheduler, type DeliveryScheduler } from "./delivery-scheduler";
import { createFrameHandler, type FrameHandler } from "./frame-handler";
import { createMessageIntake, type MessageIntake } from "./message-intake";
import { toRelayMetrics } from "./relay-metrics";
import { createSchemaMigrator, type SchemaMigrator } from "./schema-migrator";
import { SESSION_AGENT_HEADER, SESSION_JTI_HEADER } from "./session-headers";
import { createRelaySessionRuntime, type RelaySessionRuntime } from "./session-runtime";
import type {
  AddTrustedPeerInput,
  AdmissionInput,
  AdmissionResult,
  EnqueueInput,
  EnqueueResult,
  RedeemTicketInput,
  RedeemTicketResult,
  RelayMetrics,
  RevokeInput,
  RevokeResult,
} from "./session-types";
import { createSocketManager, type SocketManager } from "./socket-manager";
import { createSqlRunner } from "./sql";
import {
  createDeadLetterStore,
  createIdentityStore,
  createMessageStore,
  createMetricsStore,
  createNonceStore,
  createPairingTicketStore,
  createRateLimitStore,
  createRevocationStore,
  createSessionStateStore,
  createTrustStore,
  type IdentityStore,
  type MessageStore,
  type MetricsStore,
  type RevocationStore,
  WHOLE_AGENT,
} from "./stores";
import { createTrustKeeper, type TrustKeeper } from "./trust-keeper";

/**
 * One agent's relay session (named by its DID): its security state (nonces, revocation, rate
 * buckets), its trusted peers, its inbound queue and its connector's WebSocket. The class only
 * orchestrates: each concern lives in a store, a policy, the socket manager or the scheduler.
 */
export class AgentRelaySession extends DurableObject<Env> {
  readonly #runtime: RelaySessionRuntime;
  readonly #schema: SchemaMigrator;
  readonly #identity: IdentityStore;
  readonly #messages: MessageStore;
  readonly #metrics: MetricsStore;
  readonly #revocations: RevocationStore;
  readonly #sockets: SocketManager;
  readonly #admission: AdmissionPolicy;
  readonly #intake: MessageIntake;
  readonly #trust: TrustKeeper;
  readonly #scheduler: DeliveryScheduler;
  readonly #frames: FrameHandler;
  readonly #alarms: AlarmPlanner;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#runtime = createRelaySessionRuntime(resolveProxyConfig(env).relay);
    const db = createSqlRunner(ctx.storage.sql);
    const runtime = this.#runtime;
    this.#schema = createSchemaMigrator(db);
    const identity = createIdentityStore(db);
    this.#identity = identity;
    const trust = createTrustStore(db);
    const deadLetters = createDeadLetterStore(db);
    const sessionState = createSessionStateStore(db);
    this.#messages = createMessageStore(db);
    this.#metrics = createMetricsStore(db);
    this.#revocations = createRevocationStore(db);
    const messages = this.#messages;
    const metrics = this.#metrics;
    const revocations = this.#revocations;
    const deadLetter = createDeadLetterRecorder({ messages, deadLetters, metrics });
    this.#sockets = createSocketManager(ctx, () => runtime.settings.helloGraceMs);
    const sockets = this.#sockets;
    this.#admission = createAdmissionPolicy({
      identity,
      revocations,
      nonces: createNonceStore(db),
      rateLimits: createRateLimitStore(db),
      trust,
      runtime,
    });
    this.#intake = createMessageIntake({ identity, revocations, trust, messages, metrics, deadLetter, runtime });
    this.#trust = createTrustKeeper({
      identity,
      revocations,
      trust,
      tickets: createPairingTicketStore(db),
      admission: this.#admission,
    });
    this.#scheduler = createDeliveryScheduler({
      identity,
      messages,
      deadLetters,
      metrics,
      sessionState,
      sockets,
      deadLetter,
      runtime,
    });
    this.#frames = createFrameHandler({ sockets, scheduler: this.#scheduler, messages, deadLetters });
    this.#alarms = createAlarmPlanner(ctx.storage);
  }

  /** Checks and records one signed request of this agent (nonce, revocation, rate); makes the agent known. */
  async admit(input: AdmissionInput): Promise<AdmissionResult> {
    const nowMs = this.#now();
    this.#ensureSchema(nowMs);
    return this.ctx.storage.transactionSync(() => this.#admission.admit(input, nowMs));
  }

  /** Stores one message for this agent; answers as soon as it is stored, never waiting for the connector. */
  async enqueue(input: EnqueueInput): Promise<EnqueueResult> {
    if (!this.#schema.isInitialised()) return { ok: false, refusal: "recipient_not_found" };
    const nowMs = this.#now();
    const result = this.ctx.storage.transactionSync(() => this.#intake.enqueue(input, nowMs));
    if (result.ok && result.state === "queued") {
      this.#scheduler.pump(nowMs);
      await this.#reschedule(nowMs);
    }
    return result;
  }

  async redeemPairingTicket(input: RedeemTicketInput): Promise<RedeemTicketResult> {
    if (!this.#schema.isInitialised()) return { ok: false, refusal: "initiator_unknown" };
    const nowMs = this.#now();
    return this.ctx.storage.transactionSync(() => this.#trust.redeem(input, nowMs));
  }

  async addTrustedPeer(input: AddTrustedPeerInput) {
    const nowMs = this.#now();
    this.#ensureSchema(nowMs);
    return this.ctx.storage.transactionSync(() => this.#trust.addPeer(input, nowMs));
  }

  async listTrustedPeers() {
    return this.#schema.isInitialised() ? this.#trust.list() : [];
  }

  /** Ends the pairing on this side; true when the peer was trusted. */
  async removeTrustedPeer(peerDid: string): Promise<boolean> {
    if (!this.#schema.isInitialised()) return false;
    return this.ctx.storage.transactionSync(() => this.#trust.remove(peerDid));
  }

  async getMetrics(): Promise<RelayMetrics> {
    this.#ensureSchema(this.#now());
    return toRelayMetrics(this.#messages, this.#metrics);
  }

  /** Refuses the agent (or one of its AITs) from now on and closes the matching sockets. */
  async revoke(input: RevokeInput): Promise<RevokeResult> {
    const nowMs = this.#now();
    this.#ensureSchema(nowMs);
    const target = input.scope === "agent" ? WHOLE_AGENT : input.jti;
    const recorded = this.#revocations.record(target, input.reason, nowMs);
    const closedSockets = this.#sockets.closeWhere(
      (attachment) => target === WHOLE_AGENT || attachment.jti === target,
      RELAY_CLOSE_CODES.revoked,
      `revoked: ${input.reason}`.slice(0, 120),
    );
    return { recorded, closedSockets };
  }

  /** Only the WebSocket upgrade arrives here; the app authenticated and admitted the agent first. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const nowMs = this.#now();
    const agentDid = request.headers.get(SESSION_AGENT_HEADER);
    const jti = request.headers.get(SESSION_JTI_HEADER);
    const known = this.#schema.isInitialised() ? this.#identity.get() : undefined;
    if (!known || known.agentDid !== agentDid || !jti) return new Response("unknown agent", { status: 404 });
    const version = parseRelayProtocolVersion(request.headers.get(CLAW_HEADERS.relayProtocol));
    const { client, superseded } = this.#sockets.accept({ version, jti, nowMs });
    if (superseded > 0) this.#scheduler.handleSocketGone();
    this.#scheduler.pump(nowMs);
    await this.#reschedule(nowMs);
    return new Response(null, {
      status: 101,
      webSocket: client,
      headers: { [CLAW_HEADERS.relayProtocol]: String(version) },
    });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const nowMs = this.#now();
    if (this.#frames.handle(ws, message, nowMs)) await this.#reschedule(nowMs);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.#sockets.close(ws, code === 1005 || code === 1006 ? 1000 : code, reason);
    await this.#handleSocketEnd(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.#handleSocketEnd(ws);
  }

  override async alarm(): Promise<void> {
    this.#alarms.markFired();
    if (!this.#schema.isInitialised()) return;
    const nowMs = this.#now();
    const moreDue = this.ctx.storage.transactionSync(() => this.#scheduler.runDue(nowMs));
    this.#scheduler.pump(nowMs);
    await this.#reschedule(nowMs, moreDue);
  }

  #now(): number {
    return this.#runtime.clock.nowMs();
  }

  #ensureSchema(nowMs: number): void {
    this.ctx.storage.transactionSync(() => this.#schema.ensure(nowMs));
  }

  async #handleSocketEnd(ws: WebSocket): Promise<void> {
    // A superseded socket's messages were requeued when the newer one took over.
    if (this.#sockets.hasOpenOtherThan(ws) || !this.#schema.isInitialised()) return;
    this.#scheduler.handleSocketGone();
    await this.#reschedule(this.#now());
  }

  async #reschedule(nowMs: number, immediately = false): Promise<void> {
    await this.#alarms.reschedule([...this.#scheduler.wakeTimesMs(nowMs), immediately ? nowMs : null]);
  }
}
