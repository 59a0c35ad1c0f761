import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { Miniflare, type WorkerOptions } from "miniflare";
import { applyD1Migrations } from "./d1-migrations";
import { type LocalProxyKey, registerLocalProxies, toLocalProxyKey } from "./proxy-registration";
import { type LocalStackSecrets, resolveLocalStackSecrets } from "./secrets";
import { toWorkerOptions, withoutRegistryBinding, withSecondProxyQueues } from "./worker-options";

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
  /**
   * With `proxies: 2`, where the second proxy runs: `beside` (default) in this workerd; `apart`
   * registered here but run by another process (`only`), so it can be killed on its own; `only`
   * just the second proxy, against the registry at `registryUrl` (that other process's), with its
   * Durable Object state under `persist-b` of the same `stateDir`.
   */
  secondProxyMode?: SecondProxyMode;
  /** The registry's URL in `only` mode; default `http://127.0.0.1:<registryPort>`. */
  registryUrl?: string;
}

export type SecondProxyMode = "beside" | "apart" | "only";

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
const REGISTRATION_POLL_MS = 500;
/**
 * Registry and proxy in ONE local workerd (Miniflare), each on its own loopback port, sharing
 * queues so registry events reach the proxy's consumer, with state persisted under `stateDir`.
 * With `proxies: 2`, a second proxy deployment runs beside them: its own name (so its own Durable
 * Object state), port, secrets, signing key, origin and queues; it learns revocations from the
 * registry's event feed like a deployment on another account. Both proxies are registered at the
 * registry as soon as an admin exists. `secondProxyMode` moves the second proxy into a process of
 * its own (`apart` here, `only` there).
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { repoRoot, registryPort = 8788, proxyPort = 8787, cronIntervalMs = 60_000, log = () => {} } = options;
  const stateDir = resolve(options.stateDir ?? join(repoRoot, ".dev-state"));
  const buildCacheDir = resolve(options.buildCacheDir ?? join(repoRoot, ".dev-state", "build-cache"));
  mkdirSync(stateDir, { recursive: true });
  const twoProxies = options.proxies === 2;
  const mode: SecondProxyMode = twoProxies ? (options.secondProxyMode ?? "beside") : "beside";
  const secrets = resolveLocalStackSecrets(join(stateDir, "secrets.json"), { secondProxy: twoProxies });
  const registryUrl = options.registryUrl ?? `http://127.0.0.1:${registryPort}`;
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  const secondProxyUrl = `http://127.0.0.1:${options.secondProxyPort ?? 8789}`;

  log("building workers");
  const registry =
    mode === "only"
      ? null
      : toWorkerOptions({
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
  const proxy =
    mode === "only"
      ? null
      : toWorkerOptions({
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
  const secondProxyOptions =
    second && mode !== "apart"
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
            },
          }),
        )
      : null;
  const secondProxy =
    secondProxyOptions && mode === "only" ? withoutRegistryBinding(secondProxyOptions) : secondProxyOptions;

  log("starting workerd");
  const { runtimeOutput } = options;
  const workers = [proxy, registry, secondProxy].filter((worker): worker is WorkerOptions => worker !== null);
  const mf = new Miniflare({
    workers,
    // The second proxy's own process keeps its state apart: nothing but HTTP is shared.
    defaultPersistRoot: join(stateDir, mode === "only" ? "persist-b" : "persist"),
    ...(runtimeOutput
      ? {
          handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
            for (const stream of [stdout, stderr]) createInterface({ input: stream }).on("line", runtimeOutput);
          },
        }
      : {}),
  });
  await mf.ready;

  const runCron = (name: string) => async () => {
    const worker = await mf.getWorker(name);
    await worker.scheduled({ cron: "* * * * *" });
  };
  const runSecondProxyCron = runCron(SECOND_PROXY_NAME);
  if (mode === "only")
    return startSecondProxyOnly({ mf, registryUrl, secondProxyUrl, secrets, runSecondProxyCron, cronIntervalMs, log });

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
  if (second) await registerProxies();

  // Both Workers' crons, as Cloudflare runs them: the registry re-publishes unsent events, the
  // proxy applies the signed revocation list (the safety net for an event lost in transit).
  const runRegistryCron = runCron(REGISTRY_NAME);
  const runProxyCron = runCron(PROXY_NAME);
  const crons: Array<[string, () => Promise<unknown>]> = [
    ["registry", runRegistryCron],
    ["proxy", runProxyCron],
  ];
  // The second proxy's cron polls the registry's event feed.
  if (secondProxy) crons.push(["proxy-b", runSecondProxyCron]);
  const cron = startCrons(crons, cronIntervalMs, log);
  // Both proxies are registered within a second of `admin bootstrap`, before agents connect and
  // have their home attested; a cheap local query until then.
  const registration = second
    ? setInterval(() => {
        registerProxies().then(
          (done) => done && clearInterval(registration),
          (error: unknown) => log(`proxy registration failed: ${(error as Error).message}`),
        );
      }, REGISTRATION_POLL_MS)
    : undefined;
  registration?.unref();

  return {
    registryUrl,
    proxyUrl,
    secrets,
    runRegistryCron,
    runProxyCron,
    ...(second ? { secondProxyUrl, registerProxies } : {}),
    ...(secondProxy ? { runSecondProxyCron } : {}),
    async dispose() {
      clearInterval(cron);
      clearInterval(registration);
      await mf.dispose();
    },
  };
}

function startCrons(
  crons: Array<[string, () => Promise<unknown>]>,
  intervalMs: number,
  log: (line: string) => void,
): NodeJS.Timeout {
  const cron = setInterval(() => {
    for (const [name, run] of crons) {
      run().catch((error) => log(`${name} cron failed: ${(error as Error).message}`));
    }
  }, intervalMs);
  cron.unref();
  return cron;
}

/** `only` mode: the second proxy alone; its "proxy" is the second proxy, its cron polls the feed. */
function startSecondProxyOnly(input: {
  mf: Miniflare;
  registryUrl: string;
  secondProxyUrl: string;
  secrets: LocalStackSecrets;
  runSecondProxyCron: () => Promise<void>;
  cronIntervalMs: number;
  log: (line: string) => void;
}): LocalStack {
  const { mf, runSecondProxyCron } = input;
  const cron = startCrons([["proxy-b", runSecondProxyCron]], input.cronIntervalMs, input.log);
  return {
    registryUrl: input.registryUrl,
    proxyUrl: input.secondProxyUrl,
    secondProxyUrl: input.secondProxyUrl,
    secrets: input.secrets,
    runRegistryCron: () => Promise.reject(new Error("the registry runs in another process")),
    runProxyCron: runSecondProxyCron,
    runSecondProxyCron,
    async dispose() {
      clearInterval(cron);
      await mf.dispose();
    },
  };
}

export { PROXY_NAME, REGISTRY_NAME, SECOND_PROXY_NAME };
