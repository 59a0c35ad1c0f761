import {
  CLAW_HEADERS,
  CONNECTOR_PATHS,
  connectorDeadLetterPurgeResponseSchema,
  connectorDeadLetterRetryResponseSchema,
  connectorDeadLettersResponseSchema,
  connectorLatencyResponseSchema,
  connectorStatusResponseSchema,
  type IdentityRenewRequest,
  identityRenewResponseSchema,
  type OutboundRequest,
  outboundAcceptedResponseSchema,
  outboundStatusResponseSchema,
} from "@clawdentity/protocol";
import { createApiCaller } from "./call-api";

export type DeadLetterFilter = {
  direction?: string | undefined;
  olderThan?: string | undefined;
  peerAgentDid?: string | undefined;
  limit?: number | undefined;
};

export type ConnectorClient = ReturnType<typeof createConnectorClient>;

/** Calls to a running connector's local API (PROTOCOL.md §8) with its bearer token. */
export function createConnectorClient(options: { fetch: typeof fetch; localApiUrl: string; token: string }) {
  const call = createApiCaller({
    fetch: options.fetch,
    service: "connector",
    baseUrl: options.localApiUrl,
    headers: { authorization: `Bearer ${options.token}` },
  });

  return {
    send: (request: OutboundRequest, idempotencyKey?: string) =>
      call("POST", CONNECTOR_PATHS.outbound, outboundAcceptedResponseSchema, {
        body: request,
        ...(idempotencyKey ? { headers: { [CLAW_HEADERS.idempotencyKey]: idempotencyKey } } : {}),
      }),
    getOutbound: (messageId: string) =>
      call("GET", `${CONNECTOR_PATHS.outbound}/${encodeURIComponent(messageId)}`, outboundStatusResponseSchema),
    status: () => call("GET", CONNECTOR_PATHS.status, connectorStatusResponseSchema),
    latency: () => call("GET", CONNECTOR_PATHS.latency, connectorLatencyResponseSchema),
    listDeadLetters: (filter: DeadLetterFilter) =>
      call("GET", CONNECTOR_PATHS.deadLetters, connectorDeadLettersResponseSchema, { query: filter }),
    retryDeadLetter: (messageId: string, direction?: string) =>
      call(
        "POST",
        `${CONNECTOR_PATHS.deadLetters}/${encodeURIComponent(messageId)}/retry`,
        connectorDeadLetterRetryResponseSchema,
        { query: { direction } },
      ),
    renewIdentity: (request: IdentityRenewRequest) =>
      call("POST", CONNECTOR_PATHS.identityRenew, identityRenewResponseSchema, { body: request }),
    purgeDeadLetters: (filter: Omit<DeadLetterFilter, "limit">) =>
      call("DELETE", CONNECTOR_PATHS.deadLetters, connectorDeadLetterPurgeResponseSchema, { query: filter }),
  };
}
