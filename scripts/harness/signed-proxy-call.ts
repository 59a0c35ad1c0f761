import { importEd25519Seed, signRequest } from "../../packages/sdk/src/index.ts";

/**
 * A signed `GET` of a proxy route with the given identity (an AIT and its key's seed), as its
 * connector would make it: `{status}` while the AIT works, plus the error code when refused.
 */
export async function callProxyAs(
  proxyUrl: string,
  identity: { ait: string; seed: string },
  path = "/v1/trust/peers",
): Promise<{ status: number; code?: string }> {
  const url = new URL(path, proxyUrl);
  const { privateKey } = await importEd25519Seed(identity.seed);
  const headers = await signRequest({ method: "GET", pathWithQuery: url.pathname, ait: identity.ait, privateKey });
  const response = await fetch(url, { headers });
  const body = (await response.json()) as { error?: { code?: string } };
  return { status: response.status, ...(body.error?.code ? { code: body.error.code } : {}) };
}
