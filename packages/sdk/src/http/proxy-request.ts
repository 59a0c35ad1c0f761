import type { Context } from "hono";
import { type ProxyKeyResolver, precheckProxyRequest, verifyProxyRequest } from "../federation-signing";
import { type ReadBodyOptions, readRawBody } from "./json-body";

export interface ReadProxyRequestOptions {
  /** This receiver's own origin (a proxy) or issuer URL (the registry). */
  audience: string;
  /** Read twice: before the body is streamed in and after. */
  nowSeconds: () => number;
  resolveProxy: ProxyKeyResolver;
  body: ReadBodyOptions;
}

/**
 * PROTOCOL.md §11.2 for one Hono request: header checks (shape, window, audience) before the body is
 * buffered, then the body with a hard limit, then body hash, the proxy key and the signature.
 */
export async function readVerifiedProxyRequest(
  c: Context,
  options: ReadProxyRequestOptions,
): Promise<{ kid: string; origin: string; body: Uint8Array<ArrayBuffer> }> {
  precheckProxyRequest({ headers: c.req.raw.headers, nowSeconds: options.nowSeconds(), audience: options.audience });
  const body = await readRawBody(c, options.body);
  const url = new URL(c.req.url);
  const { kid, origin } = await verifyProxyRequest({
    method: c.req.method,
    pathWithQuery: `${url.pathname}${url.search}`,
    headers: c.req.raw.headers,
    body,
    audience: options.audience,
    nowSeconds: options.nowSeconds(),
    resolveProxy: options.resolveProxy,
  });
  return { kid, origin, body };
}
