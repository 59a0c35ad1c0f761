import { nodeSigning } from "../../packages/connector/src/http/index.ts";
import { readAgentIdentity } from "../../packages/connector/src/index.ts";
import { CLAW_HEADERS, RELAY_PATHS } from "../../packages/protocol/src/index.ts";
import { createUlid, importEd25519Seed, signRequest } from "../../packages/sdk/src/index.ts";
import type { AgentWorld } from "./agent-world";
import { mapWithConcurrency } from "./local-api-send";

/** JSON `POST`s to a path of the world's proxy, signed as `agentName` signs them (its AIT and key). */
export type SignedPost = (path: string, body: string, headers?: Record<string, string>) => Promise<Response>;

export async function createSignedPost(world: AgentWorld, agentName: string): Promise<SignedPost> {
  const identity = readAgentIdentity({ home: world.home, agentName });
  const { privateKey } = await importEd25519Seed(identity.seed);
  return async (path, body, headers = {}) => {
    const url = new URL(path, world.stack.proxyUrl);
    const claw = await signRequest({
      method: "POST",
      pathWithQuery: url.pathname,
      body,
      ait: identity.ait,
      privateKey,
      primitives: nodeSigning,
    });
    return fetch(url, { method: "POST", headers: { "content-type": "application/json", ...claw, ...headers }, body });
  };
}

/**
 * One signed `POST /v1/relay/messages` per payload, as `from` to `toDid`, `concurrency` in flight;
 * `onAnswer` gets each message's id and answer status once its body is read.
 */
export async function relaySigned(input: {
  world: AgentWorld;
  from: string;
  toDid: string;
  payloads: readonly unknown[];
  concurrency: number;
  onSent?: (messageId: string) => void;
  onAnswer: (messageId: string, status: number, body: string) => void;
}): Promise<void> {
  const post = await createSignedPost(input.world, input.from);
  await mapWithConcurrency(input.payloads, input.concurrency, async (payload) => {
    const messageId = createUlid();
    input.onSent?.(messageId);
    const response = await post(RELAY_PATHS.messages, JSON.stringify(payload), {
      [CLAW_HEADERS.recipientAgentDid]: input.toDid,
      [CLAW_HEADERS.messageId]: messageId,
    });
    input.onAnswer(messageId, response.status, await response.text());
  });
}
