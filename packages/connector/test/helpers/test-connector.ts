import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AgentIdentity,
  type Connector,
  type ConnectorConfigInput,
  type ConnectorTuning,
  createConnector,
  createLocalApiToken,
  parseConnectorConfig,
  type StartedConnector,
  silentLogger,
  writeIdentityFile,
} from "../../src";
import { createFakeClock, type FakeClock } from "./fake-clock";

export interface ApiResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests assert response bodies field by field
  json: any;
  text: string;
}

export interface TestConnector {
  connector: Connector;
  started: StartedConnector;
  clock: FakeClock;
  token: string;
  dir: string;
  api(
    method: string,
    path: string,
    options?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<ApiResponse>;
  /** Moves the injected clock and re-scans every queue. */
  advance(ms: number): void;
  stop(): Promise<void>;
}

/** Quick timings for tests; every one is overridable. */
export const FAST_TUNING: Partial<ConnectorTuning> = {
  maxIdleMs: 25,
  webhookTimeoutMs: 2_000,
  relayRequestTimeoutMs: 2_000,
  leaseMs: 10_000,
  reconnectBaseMs: 50,
  reconnectMaxMs: 200,
  heartbeatIntervalMs: 60_000,
  deadSocketAfterMs: 120_000,
};

/** Strings and bytes go as they are, so tests can send malformed bodies; anything else as JSON. */
const toRequestBody = (body: unknown): string | Uint8Array<ArrayBuffer> =>
  typeof body === "string" || body instanceof Uint8Array
    ? (body as string | Uint8Array<ArrayBuffer>)
    : JSON.stringify(body);

export async function startTestConnector(options: {
  identity: AgentIdentity;
  proxyUrl: string;
  webhookUrl: string;
  /** The rest of the delivery target (extra headers). */
  webhook?: ConnectorConfigInput["webhook"];
  tuning?: Partial<ConnectorTuning>;
  dir?: string;
  /** Delete the directory on stop; defaults to true for a directory this helper made. */
  removeDirOnStop?: boolean;
  clock?: FakeClock;
  /** The registry the connector renews at; without it, it does not renew by itself. */
  registryUrl?: string;
  /** Keep the identity in `<dir>/identity.json` (written before start, watched, rewritten on renewal). */
  identityFile?: boolean;
}): Promise<TestConnector> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "connector-test-"));
  const token = createLocalApiToken();
  const clock = options.clock ?? createFakeClock();
  const identityPath = join(dir, "identity.json");
  if (options.identityFile) writeIdentityFile(identityPath, options.identity);
  const config = parseConnectorConfig({
    identity: options.identity,
    proxyUrl: options.proxyUrl,
    ...(options.registryUrl ? { registryUrl: options.registryUrl } : {}),
    ...(options.identityFile ? { identityPath } : {}),
    deliveryWebhookUrl: options.webhookUrl,
    ...(options.webhook ? { webhook: options.webhook } : {}),
    localApi: { host: "127.0.0.1", port: 0, token },
    databasePath: join(dir, "connector.db"),
    tuning: { ...FAST_TUNING, ...options.tuning },
  });
  // random = 0.5 removes jitter, so a backoff is exactly base·2^(n-1).
  const connector = createConnector(config, { clock, random: () => 0.5, logger: silentLogger });
  const started = await connector.start();
  return {
    connector,
    started,
    clock,
    token,
    dir,
    async api(method, path, { body, headers = {} } = {}) {
      const response = await fetch(`${started.localApiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: toRequestBody(body) }),
      });
      const text = await response.text();
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {}
      return { status: response.status, headers: response.headers, json, text };
    },
    advance(ms) {
      clock.advance(ms);
      connector.wake();
    },
    async stop() {
      await connector.stop();
      if (options.removeDirOnStop ?? !options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
