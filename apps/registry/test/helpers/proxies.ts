import type { OwnerSessionResponse, ProxyResponse } from "@clawdentity/protocol";
import {
  createUlid,
  type Ed25519KeyPair,
  generateEd25519KeyPair,
  hashBodySha256,
  signProxyRequest,
  signRequest,
} from "@clawdentity/sdk";
import { expect } from "vitest";
import type { AgentCredentials } from "./actors";
import type { TestRegistry } from "./registry";

export interface TestProxy {
  origin: string;
  kid: string;
  keyPair: Ed25519KeyPair;
}

/** A proxy key registered by the admin `admin`. */
export async function registerTestProxy(
  registry: TestRegistry,
  admin: OwnerSessionResponse,
  origin: string,
): Promise<TestProxy> {
  const keyPair = await generateEd25519KeyPair();
  const response = await registry.call<ProxyResponse>("POST", "/v1/proxies", {
    token: admin.secret,
    body: { origin, publicKey: keyPair.publicKey },
  });
  expect(response.status).toBe(201);
  return { origin, kid: response.body.proxy.kid, keyPair };
}

/** What an agent's connector sends to connect (PROTOCOL.md §5.1), signed at `atSeconds`. */
export async function signConnect(credentials: AgentCredentials, atSeconds: number) {
  const pathWithQuery = "/v1/relay/connect";
  const headers = await signRequest({
    method: "GET",
    pathWithQuery,
    ait: credentials.ait,
    privateKey: credentials.keyPair.privateKey,
    timestampSeconds: atSeconds,
  });
  return {
    ait: credentials.ait,
    pathWithQuery,
    timestamp: headers["X-Claw-Timestamp"] ?? "",
    nonce: headers["X-Claw-Nonce"] ?? "",
    bodyHash: await hashBodySha256(null),
    proof: headers["X-Claw-Proof"] ?? "",
  };
}

/** `POST /v1/proxies/home` signed by `proxy` for the registry (PROTOCOL.md §11.3). */
export async function attestHome(
  registry: TestRegistry,
  proxy: TestProxy,
  connect: unknown,
  options: { audience?: string; privateKey?: CryptoKey } = {},
) {
  const body = JSON.stringify({ connect });
  const headers = await signProxyRequest({
    method: "POST",
    pathWithQuery: "/v1/proxies/home",
    body,
    audience: options.audience ?? registry.config.issuerUrl,
    origin: proxy.origin,
    kid: proxy.kid,
    privateKey: options.privateKey ?? proxy.keyPair.privateKey,
    timestampSeconds: Math.floor(registry.clock.nowMs() / 1000),
    nonce: createUlid(),
  });
  return registry.call("POST", "/v1/proxies/home", {
    rawBody: body,
    headers: { ...headers, "content-type": "application/json" },
  });
}
