import type { ServerResponse } from "node:http";
import { readBody, sendJson, startHttpServer } from "./http-server";

export interface WebhookCall {
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  /** The body exactly as it arrived (what a signature covers). */
  text: string;
  receivedAt: number;
  answered: number | "aborted" | null;
}

export type WebhookResponder = (
  call: WebhookCall,
) => number | { status: number; headers?: Record<string, string> } | "hold";

export interface FakeWebhook {
  url: string;
  port: number;
  calls: WebhookCall[];
  deliveries(): WebhookCall[];
  receipts(): WebhookCall[];
  respond(responder: WebhookResponder): void;
  releaseHeld(status: number): void;
  refuseConnections(refuse: boolean): void;
  close(): Promise<void>;
}

/** The agent runtime's webhook: records every body and answers as told (200 by default). */
export async function startFakeWebhook(port = 0): Promise<FakeWebhook> {
  const calls: WebhookCall[] = [];
  const held: Array<{ call: WebhookCall; response: ServerResponse }> = [];
  let responder: WebhookResponder = () => 200;
  const answer = (call: WebhookCall, response: ServerResponse, status: number, headers?: Record<string, string>) => {
    if (call.answered === "aborted") return;
    call.answered = status;
    sendJson(response, status, { ok: status < 300 }, headers);
  };
  const server = await startHttpServer((request, response) => {
    readBody(request).then((text) => {
      const call: WebhookCall = {
        headers: request.headers,
        body: JSON.parse(text),
        text,
        receivedAt: Date.now(),
        answered: null,
      };
      calls.push(call);
      response.on("close", () => {
        if (call.answered === null) call.answered = "aborted";
      });
      const result = responder(call);
      if (result === "hold") return held.push({ call, response });
      if (typeof result === "number") return answer(call, response, result);
      answer(call, response, result.status, result.headers);
    });
  }, port);
  return {
    url: `${server.url}/hooks/clawdentity`,
    port: server.port,
    calls,
    deliveries: () => calls.filter((call) => call.body.type === "clawdentity.delivery.v1"),
    receipts: () => calls.filter((call) => call.body.type === "clawdentity.receipt.v1"),
    respond: (next) => {
      responder = next;
    },
    releaseHeld(status) {
      for (const { call, response } of held.splice(0)) answer(call, response, status);
    },
    refuseConnections: server.refuseConnections,
    close: () => server.close(),
  };
}
