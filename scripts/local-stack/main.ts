import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseStackEnv, STACK_READY_LINE } from "./stack-env";
import { startLocalStack } from "./start-local-stack";

/**
 * `pnpm start`: registry and proxy in one local workerd until Ctrl-C; state persists between runs.
 * `pnpm start --proxies 2`: a second proxy deployment beside them (PROTOCOL.md §11).
 */
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const log = (line: string) => console.log(`[stack] ${line}`);

/** `--proxies N` (or `--proxies=N`), N being 1 (the default) or 2. */
function parseProxiesArg(args: string[]): 1 | 2 {
  const index = args.findIndex((arg) => arg === "--proxies" || arg.startsWith("--proxies="));
  if (index === -1) return 1;
  const arg = args[index] ?? "";
  const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : args[index + 1];
  if (value === "1" || value === "2") return Number(value) as 1 | 2;
  throw new Error(`--proxies must be 1 or 2, got ${JSON.stringify(value ?? "")}`);
}

async function main(): Promise<void> {
  const env = parseStackEnv(process.env);
  const proxies = parseProxiesArg(process.argv.slice(2));
  const stack = await startLocalStack({
    proxies,
    secondProxyPort: env.secondProxyPort,
    repoRoot,
    registryPort: env.registryPort,
    proxyPort: env.proxyPort,
    ...(env.stateDir ? { stateDir: env.stateDir } : {}),
    ...(env.cronIntervalMs ? { cronIntervalMs: env.cronIntervalMs } : {}),
    proxyVars: env.proxyVars,
    log,
  }).catch((error: unknown) => {
    if ((error as { code?: string }).code === "ERR_ADDRESS_IN_USE") {
      throw new Error(
        `${(error as Error).message}\nIs \`pnpm start\` already running? Other ports: CLAWDENTITY_REGISTRY_PORT / CLAWDENTITY_PROXY_PORT / CLAWDENTITY_PROXY_B_PORT.`,
      );
    }
    throw error;
  });
  const stateDir = relative(repoRoot, env.stateDir ?? `${repoRoot}.dev-state`) || ".";
  log(`registry  ${stack.registryUrl}`);
  log(`proxy     ${stack.proxyUrl}`);
  if (stack.secondProxyUrl) {
    log(`proxy B   ${stack.secondProxyUrl} (its own secrets in secrets.json "secondProxy")`);
    log("both proxies are registered at the registry once an admin exists (after `clawdentity admin bootstrap`)");
  }
  log(`bootstrap secret: ${stack.secrets.bootstrapSecret} (kept in ${stateDir}/secrets.json)`);
  console.log(STACK_READY_LINE);
  console.log(`
Next, in another terminal, with clawdentity installed (README.md, "Install the CLI") or
alias clawdentity="node $PWD/packages/cli/bin/clawdentity.mjs":
  clawdentity init --registry-url ${stack.registryUrl} --proxy-url ${stack.proxyUrl}
  clawdentity admin bootstrap --secret ${stack.secrets.bootstrapSecret}
  clawdentity agent create alice --webhook http://127.0.0.1:9001/hook

State persists in ${stateDir}/ between runs. Ctrl-C to stop.`);

  // Ctrl-C / SIGTERM: a clean stop, not a crash. D1 and Durable Object state is already on disk;
  // queue messages still in transit live in workerd's memory and are recovered after the next
  // start (receipt events are re-published until the sender's session confirms them; a lost
  // revocation is applied by the proxy's revocation-list sweep).
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    stack.dispose().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`[stack] stop failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  // Miniflare's own exit hook would end the process at once with 130 (a failure for `pnpm start`).
  // Stay subscribed while stopping: a terminal's Ctrl-C reaches this process twice — from the
  // terminal, and forwarded by `pnpm run` — and an unhandled second SIGINT would kill it mid-stop.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.removeAllListeners(signal);
    process.on(signal, stop);
  }
}

main().catch((error: unknown) => {
  console.error(`[stack] could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
