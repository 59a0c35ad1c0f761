import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { Hono } from "hono";

export interface LocalApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on the loopback host only; port 0 lets the OS choose. */
export async function serveLocalApi(app: Hono, options: { host: string; port: number }): Promise<LocalApiServer> {
  const server = createAdaptorServer({ fetch: app.fetch, hostname: options.host });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const closable = server as unknown as { closeAllConnections?: () => void };
        server.close(() => resolve());
        closable.closeAllConnections?.();
      }),
  };
}
