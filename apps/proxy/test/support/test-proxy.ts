import {
  createExecutionContext,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { CLAW_HEADERS, type DeliveryReceiptEvent, type Priority, RELAY_PATHS } from "@clawdentity/protocol";
import { createUlid, signRequest } from "@clawdentity/sdk";
import { createProxyApp } from "../../src/app";
import { parseProxyConfig, type RelaySettings } from "../../src/config";
import { setTestRuntime } from "../../src/test-runtime";
import { createManualClock, type ManualClock } from "./manual-clock";
import { TEST_METRICS_TOKEN, TEST_REGISTRY_CONTROL } from "./registry-fixture";
import { createTestAgent, type TestAgent } from "./test-agents";
import { QUEUES, runQueueBatch } from "./test-queues";
import { type SentAck, TestSocket } from "./test-socket";

export interface SignedRequestOptions {
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  nonce?: string;
  timestampSeconds?: number;
}

export interface MessageOptions {
  messageId?: string;
  priority?: Priority;
  correlationId?: string;
  conversationId?: string;
  replyTo?: string;
}

/** Jitter-free backoff: a random source of 0.5 maps to no jitter in computeBackoffMs. */
const NO_JITTER = () => 0.5;

export type TestProxy = ReturnType<typeof createTestProxy>;

/** The session's own stub (`runInDurableObject` takes no other), not the counting one the app uses. */
const rawSession = (agentDid: string) => env.RELAY_SESSIONS.get(env.RELAY_SESSIONS.idFromName(agentDid));

/**
 * One proxy app over the test env with a manual clock shared with every relay session. Requests
 * go through `app.fetch` in workerd; Durable Objects, alarms and WebSockets are the real ones.
 * What sessions publish to the receipts queue is held in `published` until a test routes it
 * through the real consumer (`routeReceipts`), so every hop is observable.
 */
export function createTestProxy(
  settings: Partial<RelaySettings> = {},
  options: { clock?: ManualClock; random?: () => number; realReceiptsQueue?: boolean } = {},
) {
  const { clock = createManualClock(), random = NO_JITTER } = options;
  const published: DeliveryReceiptEvent[] = [];
  let failingPublishes = 0;
  setTestRuntime({
    clock,
    random,
    settings,
    ...(options.realReceiptsQueue
      ? {}
      : {
          publishReceipts: async (events: DeliveryReceiptEvent[]) => {
            if (failingPublishes > 0) {
              failingPublishes--;
              throw new Error("receipts queue unavailable");
            }
            published.push(...events);
          },
        }),
  });
  const app = createProxyApp({ config: parseProxyConfig(env), clock });

  const fetch = async (request: Request) => {
    const ctx = createExecutionContext();
    const response = await app.fetch(request, env, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  };

  /** A second app instance (own caches, as another isolate would have) over the same env and clock. */
  const createTwin = () => {
    const twin = createProxyApp({ config: parseProxyConfig(env), clock });
    return (request: Request) => twin.fetch(request, env, createExecutionContext());
  };

  const signed = async (agent: TestAgent, path: string, options: SignedRequestOptions = {}): Promise<Request> => {
    const method = options.method ?? (options.body === undefined ? "GET" : "POST");
    const claw = await signRequest({
      method,
      pathWithQuery: path,
      body: options.body ?? "",
      ait: agent.ait,
      privateKey: agent.keyPair.privateKey,
      timestampSeconds: options.timestampSeconds ?? Math.floor(clock.nowMs() / 1000),
      ...(options.nonce ? { nonce: options.nonce } : {}),
    });
    return new Request(`https://proxy.test${path}`, {
      method,
      headers: { "content-type": "application/json", ...claw, ...options.headers },
      ...(options.body === undefined ? {} : { body: options.body }),
    });
  };

  /** Whether the agent's session applied an ack: read from its storage, as `TestSocket.sync` needs. */
  const isAckApplied = (agentDid: string, ack: SentAck) =>
    runInDurableObject(rawSession(agentDid), (_instance, state) => {
      const sql = state.storage.sql;
      if (ack.type === "receipt_ack") {
        return sql
          .exec<{ state: string }>(
            "SELECT state FROM receipts WHERE receipt_id = ? OR message_id = ?",
            ack.ackId,
            ack.ackId,
          )
          .toArray()
          .every((row) => row.state !== "pending");
      }
      const row = sql
        .exec<{ state: string; attempts: number }>(
          "SELECT state, attempts FROM messages WHERE message_id = ?",
          ack.messageId,
        )
        .toArray()[0];
      if (!row) return true;
      if (ack.accepted) return row.state === "delivered" || row.state === "dead_lettered";
      return !(row.state === "in_flight" && row.attempts === ack.attempt);
    });

  const send = async (agent: TestAgent, path: string, options: SignedRequestOptions = {}) =>
    fetch(await signed(agent, path, options));

  const messageRequest = (sender: TestAgent, recipientDid: string, payload: unknown, options: MessageOptions = {}) =>
    signed(sender, RELAY_PATHS.messages, {
      body: JSON.stringify(payload),
      headers: {
        [CLAW_HEADERS.recipientAgentDid]: recipientDid,
        [CLAW_HEADERS.messageId]: options.messageId ?? createUlid(clock.nowMs()),
        ...(options.priority ? { [CLAW_HEADERS.priority]: options.priority } : {}),
        ...(options.correlationId ? { [CLAW_HEADERS.correlationId]: options.correlationId } : {}),
        ...(options.conversationId ? { [CLAW_HEADERS.conversationId]: options.conversationId } : {}),
        ...(options.replyTo ? { [CLAW_HEADERS.replyTo]: options.replyTo } : {}),
      },
    });

  return {
    app,
    clock,
    env,
    fetch,
    published,
    /** The next `count` publishes to the receipts queue throw, as an unavailable queue would. */
    failNextPublishes(count: number) {
      failingPublishes = count;
    },
    /** Routes every receipt event published so far through the receipts consumer; returns the queue result. */
    async routeReceipts() {
      const events = published.splice(0);
      return runQueueBatch(
        QUEUES.receipts,
        events.map((body) => ({ body, id: body.id })),
      );
    },
    /** Sends an agent session's due receipt events and delivery reports now. */
    flushOutbound: (agentDid: string) => rawSession(agentDid).flushOutbound(),
    /** A GET of an operator route with the metrics bearer token (or `token`). */
    operator: (path: string, token: string = TEST_METRICS_TOKEN) =>
      fetch(new Request(`https://proxy.test${path}`, { headers: { authorization: `Bearer ${token}` } })),
    createTwin,
    signed,
    send,
    messageRequest,
    async sendMessage(sender: TestAgent, recipientDid: string, payload: unknown, options: MessageOptions = {}) {
      return fetch(await messageRequest(sender, recipientDid, payload, options));
    },
    /** Pairs two agents through the real ticket and confirm routes. */
    async pair(
      initiator: TestAgent,
      peer: TestAgent,
      limits: { rateLimitPerMinute?: number; queueQuota?: number } = {},
    ) {
      const issued = await send(initiator, RELAY_PATHS.pairingTickets, { body: JSON.stringify(limits) });
      if (issued.status !== 201) throw new Error(`ticket: ${issued.status} ${await issued.text()}`);
      const { ticket } = (await issued.json()) as { ticket: string };
      const confirmed = await send(peer, RELAY_PATHS.pairingConfirm, { body: JSON.stringify({ ticket }) });
      if (confirmed.status !== 201) throw new Error(`confirm: ${confirmed.status} ${await confirmed.text()}`);
    },
    async connect(agent: TestAgent, version?: 1 | 2): Promise<TestSocket> {
      const request = await signed(agent, RELAY_PATHS.connect, {
        headers: { upgrade: "websocket", ...(version ? { [CLAW_HEADERS.relayProtocol]: String(version) } : {}) },
      });
      const response = await fetch(request);
      if (response.status !== 101 || !response.webSocket) {
        throw new Error(`connect: ${response.status} ${await response.text()}`);
      }
      return new TestSocket(response.webSocket, (ack) => isAckApplied(agent.did, ack));
    },
    session: (agentDid: string) => rawSession(agentDid),
    /** Fires the session's alarm now (the manual clock decides what is due); false when none was set. */
    runAlarm: (agentDid: string) => runDurableObjectAlarm(rawSession(agentDid)),
    /** Moves the clock on, then fires the session's alarm as the runtime would at that time. */
    async advance(agentDid: string, ms: number) {
      clock.advance(ms);
      return runDurableObjectAlarm(rawSession(agentDid));
    },
    /** Each message's state and attempts in an agent's session, keyed by messageId. */
    async messageStates(agentDid: string) {
      return runInDurableObject(rawSession(agentDid), (_instance, state) => {
        const rows = state.storage.sql
          .exec<{ message_id: string; state: string; attempts: number }>(
            "SELECT message_id, state, attempts FROM messages ORDER BY seq",
          )
          .toArray();
        return Object.fromEntries(rows.map((row) => [row.message_id, { state: row.state, attempts: row.attempts }]));
      });
    },
    /** The dead-letter rows an agent's session holds, read straight from its storage. */
    async deadLetters(agentDid: string) {
      return runInDurableObject(rawSession(agentDid), (_instance, state) =>
        state.storage.sql
          .exec<{ message_id: string; reason: string; attempts: number; dead_lettered_at_ms: number }>(
            "SELECT message_id, reason, attempts, dead_lettered_at_ms FROM dead_letters ORDER BY seq",
          )
          .toArray()
          .map((row) => ({
            messageId: row.message_id,
            reason: row.reason,
            attempts: row.attempts,
            deadLetteredAtMs: row.dead_lettered_at_ms,
          })),
      );
    },
    async metrics(agent: TestAgent) {
      const response = await send(agent, RELAY_PATHS.relayMetrics);
      return (await response.json()) as {
        queueDepth: Record<Priority, number>;
        delivered: number;
        refused: number;
        failed: number;
        expired: number;
        deliveryLatencyMs: Record<string, number | null>;
      };
    },
    /** Tells the stub registry to list this AIT on its revocation list. */
    async revokeAtRegistry(agent: TestAgent) {
      const registry = env.REGISTRY;
      if (!registry) throw new Error("the tests need the REGISTRY service binding");
      await registry.fetch(`https://registry.test${TEST_REGISTRY_CONTROL.revoke}`, {
        method: "POST",
        body: JSON.stringify({ jti: agent.jti, agentDid: agent.did, revokedAt: Math.floor(clock.nowMs() / 1000) }),
      });
    },
    async registryStats(): Promise<{ keys: number; crl: number }> {
      const response = await env.REGISTRY?.fetch(`https://registry.test${TEST_REGISTRY_CONTROL.stats}`);
      return (await response?.json()) as { keys: number; crl: number };
    },
  };
}

/** A proxy and two agents that paired through it (alice initiated, bob confirmed). */
export async function createPairedAgents(settings: Partial<RelaySettings> = {}) {
  const proxy = createTestProxy(settings);
  const alice = await createTestAgent(proxy.clock);
  const bob = await createTestAgent(proxy.clock);
  await proxy.pair(alice, bob);
  return { proxy, alice, bob };
}
