import type { AgentIdentity } from "@clawdentity/connector";
import {
  healthResponseSchema,
  messageStatusResponseSchema,
  type PairingConfirmRequest,
  type PairingTicketRequest,
  pairingConfirmResponseSchema,
  pairingTicketResponseSchema,
  RELAY_PATHS,
  relayDeadLettersResponseSchema,
  relayLatencyResponseSchema,
  relayMetricsResponseSchema,
  trustPeerRemovalResponseSchema,
  trustPeersResponseSchema,
} from "@clawdentity/protocol";
import { importEd25519Seed, signRequest } from "@clawdentity/sdk";
import { z } from "zod";
import { callApi, toApiUrl } from "./call-api";

/** Any JSON object is accepted as the relay's dead-letter retry and purge answers (PROTOCOL.md §4.8). */
const relayDeadLetterActionSchema = z.record(z.string(), z.unknown());

export function createProxyHealthCheck(options: { fetch: typeof fetch; proxyUrl: string }) {
  return () =>
    callApi({
      fetch: options.fetch,
      service: "proxy",
      method: "GET",
      url: toApiUrl(options.proxyUrl, RELAY_PATHS.health),
      schema: healthResponseSchema,
    });
}

export type AgentProxyClient = ReturnType<typeof createAgentProxyClient>;

/** Calls to the agent's own proxy, each signed with the agent's key (PROTOCOL.md §2). */
export function createAgentProxyClient(options: { fetch: typeof fetch; proxyUrl: string; identity: AgentIdentity }) {
  let privateKey: Promise<CryptoKey> | undefined;
  const key = () => {
    privateKey ??= importEd25519Seed(options.identity.seed).then((pair) => pair.privateKey);
    return privateKey;
  };
  const call = async <T>(
    method: string,
    path: string,
    schema: z.ZodType<T> | null,
    extra: { body?: unknown; query?: Record<string, string | number | undefined> } = {},
  ) => {
    const url = toApiUrl(options.proxyUrl, path, extra.query);
    const body = extra.body === undefined ? undefined : JSON.stringify(extra.body);
    const headers = await signRequest({
      method,
      pathWithQuery: `${url.pathname}${url.search}`,
      body: body ?? "",
      ait: options.identity.ait,
      privateKey: await key(),
    });
    return callApi({
      fetch: options.fetch,
      service: "proxy",
      method,
      url,
      headers,
      schema,
      ...(body === undefined ? {} : { body }),
    });
  };
  const messageId = (id: string) => encodeURIComponent(id);

  return {
    health: createProxyHealthCheck(options),
    createPairingTicket: (body: PairingTicketRequest) =>
      call("POST", RELAY_PATHS.pairingTickets, pairingTicketResponseSchema, { body }),
    confirmPairing: (ticket: string, limits: Omit<PairingConfirmRequest, "ticket"> = {}) =>
      call("POST", RELAY_PATHS.pairingConfirm, pairingConfirmResponseSchema, { body: { ticket, ...limits } }),
    listPeers: () => call("GET", RELAY_PATHS.trustPeers, trustPeersResponseSchema),
    /** Undefined when both sides removed the pairing; a report when the peer's proxy could not be told. */
    removePeer: (did: string) =>
      call("DELETE", `${RELAY_PATHS.trustPeers}/${encodeURIComponent(did)}`, trustPeerRemovalResponseSchema.optional()),
    getMessage: (id: string) => call("GET", `${RELAY_PATHS.messages}/${messageId(id)}`, messageStatusResponseSchema),
    metrics: () => call("GET", RELAY_PATHS.relayMetrics, relayMetricsResponseSchema),
    latency: () => call("GET", RELAY_PATHS.relayLatency, relayLatencyResponseSchema),
    listDeadLetters: () => call("GET", RELAY_PATHS.deadLetters, relayDeadLettersResponseSchema),
    retryDeadLetter: (id: string) =>
      call("POST", `${RELAY_PATHS.deadLetters}/${messageId(id)}/retry`, relayDeadLetterActionSchema),
    purgeDeadLetters: (olderThan: string | undefined) =>
      call("DELETE", RELAY_PATHS.deadLetters, relayDeadLetterActionSchema, { query: { olderThan } }),
  };
}
