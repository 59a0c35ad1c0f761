/** A fetch that answers every call with one canned response and records the requests (error-mapping tests). */
export function createCannedFetch(answer: () => Response | Promise<Response>) {
  const requests: { url: string; method: string; headers: Headers; body: string | undefined }[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    requests.push({
      url: String(input),
      method: init?.method ?? "GET",
      headers: new Headers(init?.headers),
      body: typeof init?.body === "string" ? init.body : undefined,
    });
    return answer();
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

export const jsonResponse = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

export const errorEnvelope = (code: string, message: string, requestId = "req-1") => ({
  error: { code, message, requestId },
});
