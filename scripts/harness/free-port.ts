import { createServer } from "node:net";

/**
 * Where fixed ports are picked from: below the ephemeral ranges (Linux 32768–60999, macOS and
 * Windows 49152–65535), so a port found free is not handed to an outgoing connection's local end
 * before the service binds it (the OS's own pick comes from the ephemeral range, and was).
 */
const FIXED_PORTS = { from: 20_000, to: 32_000 };
const PICK_ATTEMPTS = 50;

/** A loopback TCP port that was free a moment ago, for services that need a fixed one. */
export async function findFreePort(): Promise<number> {
  for (let attempt = 0; attempt < PICK_ATTEMPTS; attempt += 1) {
    const port = FIXED_PORTS.from + Math.floor(Math.random() * (FIXED_PORTS.to - FIXED_PORTS.from));
    if (await isPortFree(port)) return port;
  }
  return findEphemeralPort();
}

/** A port the OS picks (from its ephemeral range). */
function findEphemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

/** Whether a loopback port can be bound right now (a killed server's port is free again). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
