import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { text as readText } from "node:stream/consumers";
import { type WaitOptions, waitFor } from "../wait-for";

/** One chat completion a gateway asked for: which gateway (the base path it was given) and its messages' text. */
export interface ModelCall {
  gateway: string;
  /** Every message's text content, in order (system prompt first). */
  texts: string[];
  at: number;
}

export interface ModelStub {
  /** The OpenAI-compatible base URL to give one gateway: `<url>/<gateway>/v1`. */
  baseUrlFor(gateway: string): string;
  calls: ModelCall[];
  /** Calls of `gateway` whose input (any message but the system prompt) contains every one of `parts`. */
  callsWith(gateway: string, ...parts: string[]): ModelCall[];
  waitForCall(gateway: string, parts: string[], options?: WaitOptions): Promise<ModelCall>;
  close(): Promise<void>;
}

const REPLY = "NO_REPLY";

/** A message's content as text: a string, or the text parts of a content array. */
function toText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part) => (typeof part?.text === "string" ? part.text : "")).join("\n");
}

function answer(response: ServerResponse, model: string, stream: boolean): void {
  const base = { id: "chatcmpl-stub", created: Math.floor(Date.now() / 1000), model };
  const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
  if (!stream) {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        ...base,
        object: "chat.completion",
        choices: [{ index: 0, message: { role: "assistant", content: REPLY }, finish_reason: "stop" }],
        usage,
      }),
    );
    return;
  }
  const chunk = (body: object) => `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", ...body })}\n\n`;
  response.writeHead(200, { "content-type": "text/event-stream" });
  response.write(chunk({ choices: [{ index: 0, delta: { role: "assistant", content: REPLY }, finish_reason: null }] }));
  response.write(chunk({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }));
  response.write(chunk({ choices: [], usage }));
  response.end("data: [DONE]\n\n");
}

/**
 * An OpenAI-compatible model on loopback for OpenClaw gateways: every turn completes at once with
 * `NO_REPLY`, and each request is kept, so a test sees exactly what an agent was given. Each gateway
 * gets its own base path, so calls are told apart by gateway.
 */
export async function startModelStub(): Promise<ModelStub> {
  const calls: ModelCall[] = [];
  const server = createServer(async (request, response) => {
    const text = await readText(request);
    const [, gateway = "", ...rest] = (request.url ?? "").split("/");
    const path = `/${rest.join("/")}`;
    if (request.method === "GET" && path.endsWith("/models")) {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ object: "list", data: [{ id: "stub-model", object: "model" }] }));
      return;
    }
    let body: { model?: string; stream?: boolean; messages?: Array<{ content?: unknown }> } = {};
    try {
      body = JSON.parse(text);
    } catch {}
    calls.push({ gateway, texts: (body.messages ?? []).map((message) => toText(message.content)), at: Date.now() });
    answer(response, body.model ?? "stub-model", body.stream === true);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const callsWith = (gateway: string, ...parts: string[]) =>
    calls.filter(
      (call) =>
        call.gateway === gateway && call.texts.slice(1).some((text) => parts.every((part) => text.includes(part))),
    );
  return {
    baseUrlFor: (gateway) => `http://127.0.0.1:${port}/${gateway}/v1`,
    calls,
    callsWith,
    waitForCall: (gateway, parts, options) =>
      waitFor(`a model call of ${gateway} with ${parts.join(" + ")}`, () => callsWith(gateway, ...parts)[0], {
        timeoutMs: 60_000,
        ...options,
      }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
