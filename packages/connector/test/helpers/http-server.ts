import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface StartedServer {
  server: Server;
  url: string;
  port: number;
  /** Drop every new TCP connection at once (a proxy that is down). */
  refuseConnections(refuse: boolean): void;
  close(): Promise<void>;
}

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = body === undefined ? "" : JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(text);
}

/** A node:http server on 127.0.0.1 with an OS-chosen port that can refuse connections on demand. */
export async function startHttpServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
  port = 0,
): Promise<StartedServer> {
  const server = createServer(handler);
  const sockets = new Set<Socket>();
  let refusing = false;
  server.on("connection", (socket) => {
    if (refusing) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const actualPort = (server.address() as AddressInfo).port;
  return {
    server,
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    refuseConnections(refuse) {
      refusing = refuse;
      if (refuse) for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
