import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import WebSocket from "ws";
import { findFreePort } from "../harness";

/**
 * The raw baseline, written for the benchmark: one Durable Object that inserts each message as one
 * SQLite row and, on `/hop`, pushes it over its hibernating WebSocket; `/accept` only inserts and
 * answers 202. Nothing else: no auth, no dedupe, no acks, no receipts.
 */
const RAW_WORKER = `
import { DurableObject } from "cloudflare:workers";

export class RawInbox extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, body TEXT NOT NULL, received_at INTEGER NOT NULL)");
  }
  async fetch() {
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }
  async insert(id, body, push) {
    this.ctx.storage.sql.exec("INSERT INTO messages (id, body, received_at) VALUES (?, ?, ?)", id, body, Date.now());
    if (push) for (const ws of this.ctx.getWebSockets()) ws.send(JSON.stringify({ id, body }));
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const inbox = env.INBOX.get(env.INBOX.idFromName(url.searchParams.get("inbox") ?? "raw"));
    if (url.pathname === "/connect") return inbox.fetch(request);
    await inbox.insert(url.searchParams.get("id"), await request.text(), url.pathname === "/hop");
    return new Response(null, { status: 202 });
  },
};
`;

export interface RawBaseline {
  url: string;
  /** Opens the Node `ws` client of an inbox; `onMessage` gets each pushed message id. */
  connect(inbox: string, onMessage: (id: string) => void): Promise<WebSocket>;
  /** `POST /hop` (insert + push) or `/accept` (insert only); resolves on the 202. */
  post(path: "/hop" | "/accept", inbox: string, id: string, body: string): Promise<void>;
  dispose(): Promise<void>;
}

export async function startRawBaseline(): Promise<RawBaseline> {
  const stateDir = mkdtempSync(join(tmpdir(), "clawdentity-bench-raw-"));
  const port = await findFreePort();
  const mf = new Miniflare({
    modules: true,
    script: RAW_WORKER,
    compatibilityDate: "2026-04-01",
    durableObjects: { INBOX: { className: "RawInbox", useSQLite: true } },
    // Persisted on disk like the real stack's Durable Objects.
    durableObjectsPersist: join(stateDir, "do"),
    host: "127.0.0.1",
    port,
  });
  await mf.ready;
  const url = `http://127.0.0.1:${port}`;
  const sockets: WebSocket[] = [];
  return {
    url,
    async connect(inbox, onMessage) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/connect?inbox=${encodeURIComponent(inbox)}`);
      ws.on("message", (data) => onMessage((JSON.parse(String(data)) as { id: string }).id));
      await new Promise<void>((resolve, reject) => {
        ws.once("open", () => resolve());
        ws.once("error", reject);
      });
      sockets.push(ws);
      return ws;
    },
    async post(path, inbox, id, body) {
      const query = new URLSearchParams({ inbox, id });
      const response = await fetch(`${url}${path}?${query}`, { method: "POST", body });
      await response.arrayBuffer();
      if (response.status !== 202) throw new Error(`raw ${path}: ${response.status}`);
    },
    async dispose() {
      for (const ws of sockets) ws.close();
      await mf.dispose();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
