import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { buffer as readBuffer } from "node:stream/consumers";

export interface ForwardedCall {
  idempotencyKey: string | null;
  /** The upstream's answer. */
  status: number;
  answer: string;
  /** Whether the answer was passed back to the caller (false: held, then the caller was gone). */
  passedBack: boolean;
}

export interface AnswerHoldingProxy {
  /** Base URL: `<url><path>` is forwarded to `<target><path>`. */
  url: string;
  calls: ForwardedCall[];
  /** Holds the upstream's answer to the next call whose body contains `marker` until `release()`. */
  holdAnswerTo(marker: string): Promise<ForwardedCall>;
  release(): void;
  close(): Promise<void>;
}

/**
 * An HTTP hop in front of a runtime that can let the runtime take a call and then keep its answer
 * from the caller: the moment "the runtime ran it, the connector does not know yet" where a crash
 * leads to a redelivery.
 */
export async function startAnswerHoldingProxy(target: string): Promise<AnswerHoldingProxy> {
  const calls: ForwardedCall[] = [];
  let hold: { marker: string; answered: (call: ForwardedCall) => void } | null = null;
  let releaseHeld: () => void = () => {};

  const server = createServer(async (request, response) => {
    const body = await readBuffer(request);
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(
        (entry): entry is [string, string] => typeof entry[1] === "string" && entry[0] !== "host",
      ),
    );
    const upstream = await fetch(`${target}${request.url ?? "/"}`, {
      method: request.method ?? "POST",
      headers,
      body: new Uint8Array(body),
    });
    const call: ForwardedCall = {
      idempotencyKey: request.headers["idempotency-key"]?.toString() ?? null,
      status: upstream.status,
      answer: await upstream.text(),
      passedBack: false,
    };
    calls.push(call);
    const held = hold && body.includes(hold.marker) ? hold : null;
    if (held) {
      hold = null;
      const released = new Promise<void>((resolve) => {
        releaseHeld = resolve;
      });
      held.answered(call);
      await released;
    }
    if (response.destroyed || request.socket.destroyed) return;
    call.passedBack = true;
    response.writeHead(call.status, { "content-type": upstream.headers.get("content-type") ?? "text/plain" });
    response.end(call.answer);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    holdAnswerTo: (marker) =>
      new Promise((resolve) => {
        hold = { marker, answered: resolve };
      }),
    release: () => releaseHeld(),
    close: () =>
      new Promise((resolve) => {
        releaseHeld();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
