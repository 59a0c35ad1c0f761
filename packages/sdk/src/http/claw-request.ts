import type { Context } from "hono";
import type { SigningKeyResolver } from "../jws";
import { precheckClawRequest, type VerifiedClawRequest, verifyClawRequest } from "../request-signing";
import type { VerifiedAitCache } from "../verified-ait-cache";
import { type ReadBodyOptions, readRawBody } from "./json-body";

export interface ReadClawRequestOptions {
  keys: SigningKeyResolver;
  /** Read twice: before the body is streamed in and after. */
  nowSeconds: () => number;
  /** The exact AIT `iss` accepted. */
  issuer?: string;
  body: ReadBodyOptions;
  /** AITs already verified by this verifier (one cache per isolate). */
  aitCache?: VerifiedAitCache;
}

/**
 * PROTOCOL.md §2 for one Hono request: the cheap header checks first, so a request failing them is
 * refused without its body being buffered; then the body, read once with a hard limit; then the
 * AIT, body hash and proof. Answers the verified request and the raw body the proof covers.
 */
export async function readVerifiedClawRequest(
  c: Context,
  options: ReadClawRequestOptions,
): Promise<VerifiedClawRequest & { body: Uint8Array<ArrayBuffer> }> {
  precheckClawRequest({ headers: c.req.raw.headers, nowSeconds: options.nowSeconds() });
  const body = await readRawBody(c, options.body);
  const url = new URL(c.req.url);
  const verified = await verifyClawRequest({
    method: c.req.method,
    pathWithQuery: `${url.pathname}${url.search}`,
    headers: c.req.raw.headers,
    body,
    keys: options.keys,
    nowSeconds: options.nowSeconds(),
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.aitCache ? { aitCache: options.aitCache } : {}),
  });
  return { ...verified, body };
}
