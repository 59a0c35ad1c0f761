import { CLAW_HEADERS, REGISTRY_PATHS, type SignedConnect } from "@clawdentity/protocol";
import type { RegistryFetch } from "../auth";
import type { ProxySigner } from "./proxy-signer";

/** The agent's own signed connect, read back from the request this proxy just verified. */
export function toSignedConnect(request: Request): SignedConnect | null {
  const url = new URL(request.url);
  const [, ait] = (request.headers.get(CLAW_HEADERS.authorization) ?? "").trim().split(/\s+/);
  const timestamp = request.headers.get(CLAW_HEADERS.timestamp);
  const nonce = request.headers.get(CLAW_HEADERS.nonce);
  const bodyHash = request.headers.get(CLAW_HEADERS.bodySha256);
  const proof = request.headers.get(CLAW_HEADERS.proof);
  if (!ait || !timestamp || !nonce || !bodyHash || !proof) return null;
  return { ait, pathWithQuery: `${url.pathname}${url.search}`, timestamp, nonce, bodyHash, proof };
}

/**
 * PROTOCOL.md §11.3: tells the registry that this agent's connector is connected here, with the
 * agent's signed connect as evidence. Runs after the socket is up and never fails it: a refused or
 * lost attestation is logged, and the next connect attests again.
 */
export async function attestHome(input: {
  signer: ProxySigner;
  registryIssuer: string;
  registryUrl: string;
  fetchRegistry: RegistryFetch;
  connect: SignedConnect;
}): Promise<void> {
  const { signer, connect } = input;
  const body = JSON.stringify({ connect });
  try {
    const headers = await signer.sign({
      method: "POST",
      url: new URL(REGISTRY_PATHS.proxyHome, input.registryUrl).toString(),
      body,
      audience: input.registryIssuer,
    });
    const response = await input.fetchRegistry(REGISTRY_PATHS.proxyHome, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body,
    });
    if (!response.ok)
      console.warn("home attestation refused", { status: response.status, body: await response.text() });
  } catch (error) {
    console.warn("home attestation failed", { error: String(error) });
  }
}
