import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { Miniflare, type WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { buildWorker } from "./build-worker";
import { applyD1Migrations } from "./d1-migrations";
import { type LocalStackSecrets, resolveLocalStackSecrets } from "./secrets";

export interface LocalStackOptions {
  repoRoot: string;
  /** Where D1, Durable Object and queue state persist; default `<repo>/.dev-state`. */
  stateDir?: string;
  registryPort?: number;
  proxyPort?: number;
  /** How often the registry's cron (outbox sweep) runs; default 60 s like production. */
  cronIntervalMs?: number;
  /** Where Worker bundles are cached by source content; default `<repo>/.dev-state/build-cache`. */
  buildCacheDir?: string;
  log?: (line: string) => void;
  /** Receives workerd's stdout and stderr (the Workers' console output) line by line; default: this process's own. */
  runtimeOutput?: (line: string) => void;
  /** Extra Worker vars for the proxy (e.g. shorter relay timeouts); the stack's own bindings take precedence. */
  proxyVars?: Record<string, string>;
}

export interface LocalStack {
  registryUrl: string;
  proxyUrl: string;
  secrets: LocalStackSecrets;
  /** Runs the registry's scheduled handler now. */
  runRegistryCron(): Promise<void>;
  /** Runs the proxy's scheduled handler (the revocation-list sweep) now. */
  runProxyCron(): Promise<void>;
  dispose(): Promise<void>;
}

const REGISTRY_NAME = "clawdentity-registry";
const PROXY_NAME = "clawdentity-proxy";

/**
 * Wrangler warns about things the stack handles itself (experimental `secrets`, secrets missing
 * from `.dev.vars` that are passed as bindings below); only its errors are worth showing.
 */
function withQuietWrangler<T>(read: () => T): T {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: wrangler's own log level, read while it runs; no turbo task.
  const previous = process.env.WRANGLER_LOG;
  process.env.WRANGLER_LOG = "error";
  try {
    return read();
  } finally {
    // biome-ignore lint/suspicious/noUndeclaredEnvVars: as above.
    if (previous === undefined) delete process.env.WRANGLER_LOG;
    else process.env.WRANGLER_LOG = previous;
  }
}

function toWorkerOptions(input: {
  name: string;
  repoRoot: string;
  appDir: string;
  buildCacheDir: string;
  port: number;
  bindings: Record<string, string>;
}): WorkerOptions {
  const configPath = join(input.appDir, "wrangler.jsonc");
  const { workerOptions } = withQuietWrangler(() => unstable_getMiniflareWorkerOptions(configPath));
  const scriptPath = buildWorker({ repoRoot: input.repoRoot, appDir: input.appDir, cacheDir: input.buildCacheDir });
  const { modulesRules: _rules, ...rest } = workerOptions;
  return {
    ...rest,
    name: input.name,
    modules: true,
    scriptPath,
    // Module names must not depend on the caller's working directory.
    modulesRoot: dirname(scriptPath),
    bindings: { ...(rest.bindings ?? {}), ...input.bindings },
    unsafeDirectSockets: [{ host: "127.0.0.1", port: input.port }],
  } as WorkerOptions;
}

/**
 * Registry and proxy in ONE local workerd (Miniflare), each on its own loopback port, sharing
 * queues so registry events reach the proxy's consumer, with state persisted under `stateDir`.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { repoRoot, registryPort = 8788, proxyPort = 8787, cronIntervalMs = 60_000, log = () => {} } = options;
  const stateDir = resolve(options.stateDir ?? join(repoRoot, ".dev-state"));
  const buildCacheDir = resolve(options.buildCacheDir ?? join(repoRoot, ".dev-state", "build-cache"));
  mkdirSync(stateDir, { recursive: true });
  const secrets = resolveLocalStackSecrets(join(stateDir, "secrets.json"));
  const registryUrl = `http://127.0.0.1:${registryPort}`;
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;

  log("building workers");
  const registry = toWorkerOptions({
    name: REGISTRY_NAME,
    repoRoot,
    appDir: join(repoRoot, "apps", "registry"),
    buildCacheDir,
    port: registryPort,
    bindings: {
      REGISTRY_ISSUER_URL: registryUrl,
      REGISTRY_SIGNING_KEY: secrets.registrySigningKey,
      REGISTRY_SIGNING_KID: secrets.registrySigningKid,
      BOOTSTRAP_SECRET: secrets.bootstrapSecret,
    },
  });
  const proxy = toWorkerOptions({
    name: PROXY_NAME,
    repoRoot,
    appDir: join(repoRoot, "apps", "proxy"),
    buildCacheDir,
    port: proxyPort,
    bindings: {
      ...options.proxyVars,
      REGISTRY_URL: registryUrl,
      PAIRING_TICKET_SECRET: secrets.pairingTicketSecret,
      METRICS_TOKEN: secrets.metricsToken,
      PROXY_ORIGIN: proxyUrl,
      ...(secrets.proxySigningKey ? { PROXY_SIGNING_KEY: secrets.proxySigningKey } : {}),
    },
  });

  log("starting workerd");
  const { runtimeOutput } = options;
  const mf = new Miniflare({
    workers: [proxy, registry],
    defaultPersistRoot: join(stateDir, "persist"),
    ...(runtimeOutput
      ? {
          handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
            for (const stream of [stdout, stderr]) createInterface({ input: stream }).on("line", runtimeOutput);
          },
        }
      : {}),
  });
  await mf.ready;
  const applied = await applyD1Migrations(
    await mf.getD1Database("DB", REGISTRY_NAME),
    join(repoRoot, "apps", "registry", "migrations"),
  );
  if (applied.length > 0) log(`applied D1 migrations: ${applied.join(", ")}`);

  const runCron = (name: string) => async () => {
    const worker = await mf.getWorker(name);
    await worker.scheduled({ cron: "* * * * *" });
  };
  // Both Workers' crons, as Cloudflare runs them: the registry re-publishes unsent events, the
  // proxy applies the signed revocation list (the safety net for an event lost in transit).
  const runRegistryCron = runCron(REGISTRY_NAME);
  const runProxyCron = runCron(PROXY_NAME);
  const cron = setInterval(() => {
    for (const [name, run] of [
      ["registry", runRegistryCron],
      ["proxy", runProxyCron],
    ] as const) {
      run().catch((error) => log(`${name} cron failed: ${(error as Error).message}`));
    }
  }, cronIntervalMs);
  cron.unref();

  return {
    registryUrl,
    proxyUrl,
    secrets,
    runRegistryCron,
    runProxyCron,
    async dispose() {
      clearInterval(cron);
      await mf.dispose();
    },
  };
}

export { PROXY_NAME, REGISTRY_NAME };
