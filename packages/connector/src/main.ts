import { parseArgs } from "node:util";
import { loadConnectorConfig, removeAgentRuntime, resolveClawdentityHome, writeAgentRuntime } from "./agent-home";
import { createConnector } from "./create-connector";
import { createJsonLogger, toErrorMessage } from "./logger";

const USAGE =
  "usage: tsx src/main.ts --agent <name> [--home <dir>]   (home defaults to $CLAWDENTITY_HOME or ~/.clawdentity)";

/** Runs one connector from its agent home until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { agent: { type: "string" }, home: { type: "string" }, help: { type: "boolean" } },
    strict: true,
  });
  if (values.help || !values.agent) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(values.help ? 0 : 2);
  }
  const ref = { home: values.home ?? resolveClawdentityHome(), agentName: values.agent };
  const logger = createJsonLogger();
  const config = loadConnectorConfig(ref);
  const connector = createConnector(config, { logger });
  const started = await connector.start();
  writeAgentRuntime(ref, {
    pid: process.pid,
    agentDid: config.identity.agentDid,
    localApiUrl: started.localApiUrl,
    startedAt: new Date().toISOString(),
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    await connector.stop();
    removeAgentRuntime(ref);
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((error) => {
  process.stderr.write(
    `${JSON.stringify({ level: "error", message: "connector failed", error: toErrorMessage(error) })}\n`,
  );
  process.exit(1);
});
