import type { ProxySigner } from "./proxy-signer";

/** How long a proxy waits for another proxy's answer before it counts as unreachable. */
export const PROXY_REQUEST_TIMEOUT_MS = 15_000;

/** One proxy-signed POST (PROTOCOL.md §11.2) to `origin`; throws on a network failure or the timeout. */
export async function postToProxy(signer: ProxySigner, origin: string, path: string, body: string): Promise<Response> {
  const url = `${origin}${path}`;
  const headers = await signer.sign({ method: "POST", url, body, audience: origin });
  return fetch(url, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body,
    signal: AbortSignal.timeout(PROXY_REQUEST_TIMEOUT_MS),
  });
}
