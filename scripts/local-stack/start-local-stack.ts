import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { Miniflare, type WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { buildWorker } from "./build-worker";
import { applyD1Migrations } from "./d1-migrations";
import { type LocalProxyKey, registerLocalProxies, toLocalProxyKey } from "./proxy-registration";
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
  /** 2: a second proxy deployment beside the first (`pnpm start --proxies 2`); default 1. */
  proxies?: 1 | 2;
  /** The second proxy's port; default 8789. */
  secondProxyPort?: number;
}

export interface LocalStack {
  registryUrl: string;
  proxyUrl: string;
  secrets: LocalStackSecrets;
  /** Runs the registry's scheduled handler now. */
  runRegistryCron(): Promise<void>;
  /** Runs the proxy's scheduled handler (the revocation-list sweep) now. */
  runProxyCron(): Promise<void>;
  /** The second proxy's URL, with `proxies: 2`. */
  secondProxyUrl?: string;
  /** Runs the second proxy's scheduled handler now, with `proxies: 2`. */
  runSecondProxyCron?(): Promise<void>;
  /** Registers both proxies at the registry once an admin exists; true when they are (`proxies: 2`). */
  registerProxies?(): Promise<boolean>;
  dispose(): Promise<void>;
}

const REGISTRY_NAME = "clawdentity-registry";
const PROXY_NAME = "clawdentity-proxy";
const SECOND_PROXY_NAME = "clawdentity-proxy-b";
/** The second proxy is another deployment: its queues are its own, never the first one's. */
const SECOND_PROXY_QUEUE_SUFFIX = "-local-b";

/** The proxy's queue bindings renamed from `*-local` to `*-local-b`. */
function withSecondProxyQueues(options: WorkerOptions): WorkerOptions {
  const rename = (name: string) => name.replace(/-local$/, SECOND_PROXY_QUEUE_SUFFIX);
  const { queueProducers, queueConsumers } = options as {
    queueProducers?: Record<string, { queueName: string }>;
    queueConsumers?: Record<string, { deadLetterQueue?: string }>;
  };
  return {
    ...options,
    queueProducers: Object.fromEntries(
      Object.entries(queueProducers ?? {}).map(([binding, producer]) => [
        binding,
        { queueName: rename(producer.queueName) },
      ]),
    ),
    queueConsumers: Object.fromEntries(
      Object.entries(queueConsumers ?? {}).map(([queue, consumer]) => [
        rename(queue),
        { ...consumer, ...(consumer.deadLetterQueue ? { deadLetterQueue: rename(consumer.deadLetterQueue) } : {}) },
      ]),
    ),
  } as WorkerOptions;
}

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
 * With `proxies: 2`, a second proxy deployment runs beside them: its own name (so its own Durable
 * Object state), port, secrets, signing key, origin and queues; it learns revocations from the
 * registry's event feed like a deployment on another account. Both proxies are registered at the
 * registry as soon as an admin exists.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { repoRoot, registryPort = 8788, proxyPort = 8787, cronIntervalMs = 60_000, log = () => {} } = options;
  const stateDir = resolve(options.stateDir ?? join(repoRoot, ".dev-state"));
  const buildCacheDir = resolve(options.buildCacheDir ?? join(repoRoot, ".dev-state", "build-cache"));
  mkdirSync(stateDir, { recursive: true });
  const twoProxies = options.proxies === 2;
  const secrets = resolveLocalStackSecrets(join(stateDir, "secrets.json"), { secondProxy: twoProxies });
  const registryUrl = `http://127.0.0.1:${registryPort}`;
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  const secondProxyUrl = `http://127.0.0.1:${options.secondProxyPort ?? 8789}`;

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

  const second = twoProxies && secrets.secondProxy ? secrets.secondProxy : null;
  const secondProxy = second
    ? withSecondProxyQueues(
        toWorkerOptions({
          name: SECOND_PROXY_NAME,
          repoRoot,
          appDir: join(repoRoot, "apps", "proxy"),
          buildCacheDir,
          port: options.secondProxyPort ?? 8789,
          bindings: {
            ...options.proxyVars,
            REGISTRY_URL: registryUrl,
            PAIRING_TICKET_SECRET: second.pairingTicketSecret,
            METRICS_TOKEN: second.metricsToken,
            PROXY_ORIGIN: secondProxyUrl,
            PROXY_SIGNING_KEY: second.signingKey,
            QUEUE_NAME_SUFFIX: SECOND_PROXY_QUEUE_SUFFIX,
          },
        }),
      )
    : null;

  log("starting workerd");
  const { runtimeOutput } = options;
  const mf = new Miniflare({
    workers: secondProxy ? [proxy, registry, secondProxy] : [proxy, registry],
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

  const proxyKeys: LocalProxyKey[] =
    second && secrets.proxySigningKey
      ? [toLocalProxyKey(proxyUrl, secrets.proxySigningKey), toLocalProxyKey(secondProxyUrl, second.signingKey)]
      : [];
  let proxiesRegistered = false;
  const registerProxies = async () => {
    if (!proxiesRegistered && proxyKeys.length > 0) {
      proxiesRegistered = await registerLocalProxies(await mf.getD1Database("DB", REGISTRY_NAME), proxyKeys);
      if (proxiesRegistered)
        log(`registered both proxies at the registry: ${proxyKeys.map((key) => key.kid).join(", ")}`);
    }
    return proxiesRegistered;
  };
  if (secondProxy) await registerProxies();

  const runCron = (name: string) => async () => {
    const worker = await mf.getWorker(name);
    await worker.scheduled({ cron: "* * * * *" });
  };
  // Both Workers' crons, as Cloudflare runs them: the registry re-publishes unsent events, the
  // proxy applies the signed revocation list (the safety net for an event lost in transit).
  const runRegistryCron = runCron(REGISTRY_NAME);
  const runProxyCron = runCron(PROXY_NAME);
  const runSecondProxyCron = runCron(SECOND_PROXY_NAME);
  const crons: Array<[string, () => Promise<unknown>]> = [
    ["registry", runRegistryCron],
    ["proxy", runProxyCron],
  ];
  // The second proxy's cron polls the registry's event feed; until an admin exists, each tick also
  // tries to register both proxies.
  if (secondProxy) crons.push(["proxy-b", runSecondProxyCron], ["proxy registration", registerProxies]);
  const cron = setInterval(() => {
    for (const [name, run] of crons) {
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
    ...(secondProxy ? { secondProxyUrl, runSecondProxyCron, registerProxies } : {}),
    async dispose() {
      clearInterval(cron);
      await mf.dispose();
    },
  };
}

export { PROXY_NAME, REGISTRY_NAME, SECOND_PROXY_NAME };
