import type { ConnectorStatusResponse } from "@clawdentity/protocol";
import { type Clock, systemClock } from "@clawdentity/sdk";
import { acquireAgentLock } from "./agent-home/process-lock";
import { type CircuitBreaker, createCircuitBreaker } from "./circuit-breaker";
import type { ConnectorConfig, WebhookTarget } from "./config";
import { registerConnectorGauges } from "./connector-gauges";
import { toConnectorStatus } from "./connector-status";
import { createDeadLetterService, type DeadLetterService } from "./dead-letters";
import { type FetchLike, fetchTransport, type HttpTransport, nodeHttpTransport } from "./http";
import { createConnectorIdentity } from "./identity";
import { createDeliverFrameHandler, createWebhookDeliveryWorker } from "./inbox";
import { createLocalApiApp, serveLocalApi } from "./local-api";
import { createJsonLogger, type Logger, toErrorMessage } from "./logger";
import { type ConnectorMetrics, createConnectorMetrics, toConnectorLatency } from "./metrics";
import { createOutboundService, createOutboxWorker, createOutcomeReconciler, type OutboundService } from "./outbox";
import { createProxyClient } from "./proxy";
import { createReceiptFrameHandler, createReceiptPoster, createRuntimeNotifier } from "./receipts";
import { type CreateWebSocket, createRelayClient } from "./relay-client";
import { resolveRetryPolicy } from "./runtime";
import { type ConnectorStorage, openConnectorStorage, type RetentionResult } from "./storage";
import { createRuntimeWebhookClient, createWebhookPause, type WebhookPause } from "./webhook";

export interface ConnectorDeps {
  /** Drives scheduling (backoff, TTL, leases, circuit timing); request signing always uses real time. */
  clock?: Clock;
  random?: () => number;
  /** A `fetch` to send every HTTP call through; Node's own HTTP client when absent. */
  fetch?: FetchLike;
  logger?: Logger;
  createWebSocket?: CreateWebSocket;
}

export interface StartedConnector {
  localApiUrl: string;
  storage: ConnectorStorage;
  outbound: OutboundService;
  deadLetters: DeadLetterService;
}

export interface Connector {
  /** Takes the agent lock, opens the database, recovers leases, then serves the local API and connects. */
  start(): Promise<StartedConnector>;
  /** Stops claiming, aborts in-flight calls (their rows stay queued), closes socket, API and database. */
  stop(): Promise<void>;
  /** The running parts; throws before `start()`. */
  started(): StartedConnector;
  status(): ConnectorStatusResponse;
  renderMetrics(): string;
  /** Re-scans every queue now (tests move an injected clock, then wake). */
  wake(): void;
  pruneRetention(): RetentionResult;
  /**
   * Calls the runtime at this target from now on (its URL, headers or secret changed in the agent's
   * config): a misconfiguration pause ends and the waiting deliveries go at once.
   */
  setWebhookTarget(target: WebhookTarget): void;
}

interface Running extends StartedConnector {
  status(): ConnectorStatusResponse;
  wake(): void;
  setWebhookTarget(target: WebhookTarget): void;
  prune(): RetentionResult;
  stop(): Promise<void>;
}

interface Shared {
  config: ConnectorConfig;
  clock: Clock;
  random: () => number;
  http: HttpTransport;
  logger: Logger;
  metrics: ConnectorMetrics;
  proxyBreaker: CircuitBreaker;
  webhookBreaker: CircuitBreaker;
  createWebSocket: CreateWebSocket | undefined;
}

/** One connector for one agent: `start()` it, talk to its local API, `stop()` it. */
export function createConnector(config: ConnectorConfig, deps: ConnectorDeps = {}): Connector {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createJsonLogger();
  const metrics = createConnectorMetrics();
  const breakerFor = (circuit: string) =>
    createCircuitBreaker({
      failureThreshold: config.tuning.circuitFailureThreshold,
      openMs: config.tuning.circuitOpenMs,
      clock,
      onStateChange: (state) => {
        metrics.circuitTransitions.inc({ circuit, state });
        logger.warn("circuit breaker changed state", { circuit, state });
      },
    });
  const shared: Shared = {
    config,
    clock,
    random: deps.random ?? Math.random,
    http: deps.fetch ? fetchTransport(deps.fetch) : nodeHttpTransport,
    logger,
    metrics,
    proxyBreaker: breakerFor("proxy"),
    webhookBreaker: breakerFor("webhook"),
    createWebSocket: deps.createWebSocket,
  };
  let running: Running | null = null;

  const requireRunning = (): Running => {
    if (!running) throw new Error("connector is not started");
    return running;
  };

  return {
    async start() {
      if (running) return running;
      const lock = acquireAgentLock(`${config.databasePath}.lock`);
      let storage: ConnectorStorage | null = null;
      try {
        storage = openConnectorStorage(config.databasePath, config.tuning.databaseSynchronous);
        running = await startParts(shared, storage, () => lock.release());
        return running;
      } catch (error) {
        storage?.close();
        lock.release();
        throw error;
      }
    },
    async stop() {
      const current = running;
      running = null;
      await current?.stop();
    },
    started: requireRunning,
    status: () => requireRunning().status(),
    renderMetrics: () => metrics.registry.render(),
    wake: () => requireRunning().wake(),
    pruneRetention: () => requireRunning().prune(),
    setWebhookTarget: (target) => requireRunning().setWebhookTarget(target),
  };
}

async function startParts(shared: Shared, storage: ConnectorStorage, releaseLock: () => void): Promise<Running> {
  const { config, clock, random, http, logger, metrics, proxyBreaker, webhookBreaker } = shared;
  const { tuning } = config;
  const agentDid = config.identity.agentDid;
  const startedAt = clock.nowMs();
  const recovered = storage.recoverLeases();
  if (recovered > 0) logger.warn("recovered rows left claimed by a previous run", { recovered });

  const common = { storage, clock, random, tuning, metrics, logger };
  const identity = await createConnectorIdentity({ ...common, config, http, onNotice: () => notifier.wake() });
  const { keeper } = identity;
  const proxy = createProxyClient({
    proxyUrl: config.proxyUrl,
    signer: () => {
      const { identity: current, privateKey, claims } = keeper.current();
      return { ait: current.ait, privateKey, jti: claims.jti };
    },
    http,
    timeoutMs: tuning.relayRequestTimeoutMs,
  });
  const webhook = createRuntimeWebhookClient({
    target: { url: config.deliveryWebhookUrl, ...config.webhook },
    http,
    timeoutMs: tuning.webhookTimeoutMs,
    clock,
  });
  // Declared before the workers it wakes; `onResume` only runs once they exist.
  const wakeWebhookWorkers = () => {
    webhookWorker.wake();
    notifier.wake();
  };
  const webhookPause: WebhookPause = createWebhookPause({
    clock,
    policy: resolveRetryPolicy(tuning, "webhook", random),
    logger,
    onResume: () => wakeWebhookWorkers(),
  });
  const notifier = createRuntimeNotifier({ ...common, webhook, breaker: webhookBreaker, pause: webhookPause });
  const receiptPoster = createReceiptPoster({ ...common, proxy, breaker: proxyBreaker, identity: keeper });
  const outboxWorker = createOutboxWorker({
    ...common,
    proxy,
    breaker: proxyBreaker,
    identity: keeper,
    onRuntimeNotice: () => notifier.wake(),
  });
  const reconciler = createOutcomeReconciler({
    ...common,
    proxy,
    breaker: proxyBreaker,
    identity: keeper,
    onRuntimeNotice: () => notifier.wake(),
  });
  const webhookWorker = createWebhookDeliveryWorker({
    ...common,
    webhook,
    breaker: webhookBreaker,
    pause: webhookPause,
    onReceiptQueued: () => receiptPoster.wake(),
  });
  const relay = createRelayClient({
    ...common,
    proxy,
    handleDeliver: createDeliverFrameHandler({
      ...common,
      agentDid,
      claimStored: () => webhookWorker.claimWithin(),
      onReceiptQueued: () => receiptPoster.wake(),
    }),
    handleReceipts: createReceiptFrameHandler({ ...common, onRuntimeNotice: () => notifier.wake() }),
    lastReceivedId: () => storage.inbox.lastReceivedMessageId(),
    identity: keeper,
    ...(shared.createWebSocket ? { createWebSocket: shared.createWebSocket } : {}),
  });
  const outbound = createOutboundService({ ...common, claimQueued: () => outboxWorker.claimWithin() });
  const deadLetters = createDeadLetterService({
    ...common,
    onOutboundRetried: () => outboxWorker.wake(),
    onInboundRetried: () => webhookWorker.wake(),
  });
  const status = () =>
    toConnectorStatus({
      agentDid,
      startedAt,
      identity: identity.status(),
      storage,
      socket: relay.status(),
      proxyBreaker,
      webhookBreaker,
      relayPausedUntil: outboxWorker.pausedUntil(),
      webhookPause: webhookPause.snapshot(),
    });
  registerConnectorGauges(metrics.registry, {
    storage,
    clock,
    socket: () => relay.status(),
    socketConnectedSeconds: () => relay.connectedSeconds(),
    breakers: { proxy: proxyBreaker, webhook: webhookBreaker },
    webhookPause,
  });

  const prune = () => {
    const result = storage.retention.prune(clock.nowMs(), tuning.retentionMs);
    if (result.outbox + result.inbox + result.jobs + result.idempotencyKeys > 0) {
      logger.info("retention pruned rows", { ...result });
    }
    return result;
  };
  prune();
  const app = createLocalApiApp({
    token: config.localApi.token,
    identity,
    outbound,
    deadLetters,
    logger,
    status,
    renderMetrics: () => metrics.registry.render(),
    latency: () => toConnectorLatency(metrics),
  });
  const server = await serveLocalApi(app, { host: config.localApi.host, port: config.localApi.port });
  const retentionTimer = setInterval(() => {
    try {
      prune();
    } catch (error) {
      logger.error("retention sweep failed", { error: toErrorMessage(error) });
    }
  }, tuning.retentionSweepIntervalMs);
  retentionTimer.unref();

  const workers = [outboxWorker, webhookWorker, receiptPoster, notifier, reconciler];
  // A new identity (renewed, or the owner's reissue): the socket is replaced and parked queues go again.
  keeper.onChange(() => {
    relay.reconnect();
    for (const worker of workers) worker.wake();
  });
  for (const worker of workers) worker.start();
  relay.start();
  identity.start();
  logger.info("connector started", { agentDid, localApiUrl: server.url });

  return {
    localApiUrl: server.url,
    storage,
    outbound,
    deadLetters,
    status,
    prune,
    wake() {
      for (const worker of workers) worker.wake();
      identity.wake();
    },
    setWebhookTarget(target) {
      webhook.setTarget(target);
      logger.info("webhook target changed", { url: target.url, headers: Object.keys(target.headers) });
      webhookPause.reset();
      wakeWebhookWorkers();
    },
    async stop() {
      clearInterval(retentionTimer);
      await server.close();
      await identity.stop();
      await relay.stop();
      await Promise.all(workers.map((worker) => worker.stop()));
      storage.close();
      releaseLock();
      logger.info("connector stopped", { agentDid });
    },
  };
}
