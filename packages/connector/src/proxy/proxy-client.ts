import { CLAW_HEADERS, RELAY_PATHS, RELAY_PROTOCOL_V2, type RelayBatchMessage } from "@clawdentity/protocol";
import { createMessageProof, decodeAitClaims, hashBodySha256, signRequest } from "@clawdentity/sdk";
import { callHttp, type HttpResult, type HttpTransport, nodeSigning } from "../http";

/** An answer of the proxy, and which AIT signed the request it answers. */
export type ProxyAnswer = HttpResult & { jti: string };

export interface ProxyClient {
  /** POSTs a JSON body to the agent's own proxy with the five Claw headers plus `headers`. */
  post(path: string, body: string, headers: Record<string, string>, signal?: AbortSignal): Promise<ProxyAnswer>;
  /**
   * `POST /v1/relay/messages/batch` (PROTOCOL.md §4.3.1): one signed request, each message with its
   * own §11.4 proof made at the request's timestamp.
   */
  postRelayBatch(messages: Array<Omit<RelayBatchMessage, "proof">>, signal?: AbortSignal): Promise<ProxyAnswer>;
  /** GETs a route of the agent's own proxy, signed like any request (method GET, empty body). */
  get(path: string, signal?: AbortSignal): Promise<ProxyAnswer>;
  /** URL and signed headers for the `GET /v1/relay/connect` WebSocket upgrade (empty body, protocol 2). */
  createConnectRequest(path: string): Promise<{ url: string; headers: Record<string, string>; jti: string }>;
}

/** The AIT and key to sign with, read at signing time so a renewed identity applies to the next call. */
export interface SigningIdentity {
  ait: string;
  privateKey: CryptoKey;
  jti: string;
}

export interface ProxyClientOptions {
  proxyUrl: string;
  signer: () => SigningIdentity;
  http: HttpTransport;
  timeoutMs: number;
}

/** Joins a route to the proxy base URL, keeping any path prefix the base has. */
export function toProxyUrl(base: string, path: string): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}${path}`;
  url.search = "";
  url.hash = "";
  return url;
}

export function createProxyClient(options: ProxyClientOptions): ProxyClient {
  // The AIT changes only on renewal: its sender DID is read once per AIT, not once per message.
  let known: { ait: string; senderDid: string | undefined } | null = null;
  const toSenderDid = (ait: string) => {
    if (known?.ait !== ait) known = { ait, senderDid: decodeAitClaims(ait)?.sub };
    return known.senderDid;
  };
  const sign = async (method: string, url: URL, body: string, relay?: { recipientDid: string; messageId: string }) => {
    const { ait, privateKey, jti } = options.signer();
    const headers = await signRequest({
      method,
      pathWithQuery: `${url.pathname}${url.search}`,
      body,
      ait,
      privateKey,
      primitives: nodeSigning,
    });
    const senderDid = relay ? toSenderDid(ait) : undefined;
    if (relay && senderDid) {
      // PROTOCOL.md §11.4: lets a recipient on another proxy verify this message end to end.
      headers["X-Claw-Message-Proof"] = await createMessageProof({
        senderDid,
        recipientDid: relay.recipientDid,
        messageId: relay.messageId,
        timestamp: headers["X-Claw-Timestamp"] ?? "",
        bodyHash: headers["X-Claw-Body-SHA256"] ?? "",
        privateKey,
        primitives: nodeSigning,
      });
    }
    return { headers, jti };
  };

  const send = async (
    method: "GET" | "POST",
    path: string,
    body: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ) => {
    const url = toProxyUrl(options.proxyUrl, path);
    const recipientDid = headers[CLAW_HEADERS.recipientAgentDid];
    const messageId = headers[CLAW_HEADERS.messageId];
    const claw = await sign(method, url, body, recipientDid && messageId ? { recipientDid, messageId } : undefined);
    const result = await callHttp({
      http: options.http,
      url: url.toString(),
      method,
      headers: { ...headers, ...claw.headers },
      ...(method === "POST" ? { body } : {}),
      timeoutMs: options.timeoutMs,
      ...(signal ? { signal } : {}),
    });
    return { ...result, jti: claw.jti };
  };

  const call = async (url: URL, body: string, headers: Record<string, string>, signal: AbortSignal | undefined) =>
    callHttp({
      http: options.http,
      url: url.toString(),
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
      timeoutMs: options.timeoutMs,
      ...(signal ? { signal } : {}),
    });

  return {
    async postRelayBatch(items, signal) {
      const url = toProxyUrl(options.proxyUrl, RELAY_PATHS.messagesBatch);
      const { ait, privateKey, jti } = options.signer();
      const senderDid = toSenderDid(ait);
      // The proofs are made at the timestamp the request is then signed with (§11.4).
      const timestampSeconds = Math.floor(Date.now() / 1000);
      const messages = await Promise.all(
        items.map(async (item) => {
          if (!senderDid) return item;
          const proof = await createMessageProof({
            senderDid,
            recipientDid: item.recipientAgentDid,
            messageId: item.messageId,
            timestamp: String(timestampSeconds),
            bodyHash: await hashBodySha256(item.payload, nodeSigning),
            privateKey,
            primitives: nodeSigning,
          });
          return { ...item, proof };
        }),
      );
      const body = JSON.stringify({ messages });
      const pathWithQuery = `${url.pathname}${url.search}`;
      const headers = await signRequest({
        method: "POST",
        pathWithQuery,
        body,
        ait,
        privateKey,
        timestampSeconds,
        primitives: nodeSigning,
      });
      return { ...(await call(url, body, headers, signal)), jti };
    },
    post: (path, body, headers, signal) =>
      send("POST", path, body, { "content-type": "application/json", ...headers }, signal),
    get: (path, signal) => send("GET", path, "", {}, signal),
    async createConnectRequest(path) {
      const url = toProxyUrl(options.proxyUrl, path);
      const claw = await sign("GET", url, "");
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      const headers = { ...claw.headers, [CLAW_HEADERS.relayProtocol]: String(RELAY_PROTOCOL_V2) };
      return { url: url.toString(), headers, jti: claw.jti };
    },
  };
}
