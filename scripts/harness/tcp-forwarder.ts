import { connect, createServer, type Socket } from "node:net";

/**
 * A loopback TCP forwarder in front of a local port: an agent whose config points at it talks to
 * the real service through it, and a test can drop its connections without touching either process.
 */
export interface TcpForwarder {
  url: string;
  /** Open client connections (each with its upstream twin). */
  connectionCount(): number;
  /** Resets every open connection (RST both ways), as a broken network path would; new ones still pass. */
  reset(): number;
  /**
   * Stops passing bytes on every open connection without closing it, as a silent network drop
   * would: only the peers' own timeouts notice. New connections pass normally.
   */
  blackhole(): number;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
}

function destroyPair(pair: Pair, reset: boolean): void {
  for (const socket of [pair.client, pair.upstream]) {
    if (reset && !socket.destroyed) socket.resetAndDestroy();
    else socket.destroy();
  }
}

export async function startTcpForwarder(options: { targetPort: number; host?: string }): Promise<TcpForwarder> {
  const host = options.host ?? "127.0.0.1";
  const open = new Set<Pair>();
  const swallowed = new Set<Pair>();

  const server = createServer((client) => {
    const upstream = connect(options.targetPort, host);
    const pair: Pair = { client, upstream };
    open.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      open.delete(pair);
      // A blackholed connection stays half-dead until the peers give up on it.
      if (!swallowed.has(pair)) destroyPair(pair, false);
    };
    for (const socket of [client, upstream]) {
      socket.on("error", drop);
      socket.on("close", drop);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;

  return {
    url: `http://${host}:${port}`,
    connectionCount: () => open.size,
    reset() {
      const pairs = [...open];
      for (const pair of pairs) destroyPair(pair, true);
      return pairs.length;
    },
    blackhole() {
      const pairs = [...open];
      for (const pair of pairs) {
        swallowed.add(pair);
        open.delete(pair);
        pair.client.unpipe(pair.upstream);
        pair.upstream.unpipe(pair.client);
        // Read and discard, so nothing backs up into either peer's kernel buffers.
        pair.client.on("data", () => {});
        pair.upstream.on("data", () => {});
      }
      return pairs.length;
    },
    async close() {
      for (const pair of [...open, ...swallowed]) destroyPair(pair, false);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
