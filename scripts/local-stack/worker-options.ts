import { dirname, join } from "node:path";
import type { WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { buildWorker } from "./build-worker";

/** The second proxy is another deployment: its queues are its own, never the first one's. */
const SECOND_PROXY_QUEUE_SUFFIX = "-local-b";

/** The proxy's queue bindings renamed from `*-local` to `*-local-b`. */
export function withSecondProxyQueues(options: WorkerOptions): WorkerOptions {
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

export function toWorkerOptions(input: {
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

/** The second proxy in a process of its own reaches the registry over HTTP, as a deployment elsewhere would. */
export function withoutRegistryBinding(options: WorkerOptions): WorkerOptions {
  const { serviceBindings, ...rest } = options as WorkerOptions & { serviceBindings?: Record<string, unknown> };
  const { REGISTRY: _registry, ...others } = serviceBindings ?? {};
  return { ...rest, serviceBindings: others } as WorkerOptions;
}
