import { fileURLToPath } from "node:url";
import { startLocalStack } from "./start-local-stack";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const stack = await startLocalStack({ repoRoot, log: (line) => console.log(`[stack] ${line}`) });
console.log(`[stack] registry  ${stack.registryUrl}`);
console.log(`[stack] proxy     ${stack.proxyUrl}`);
console.log(`[stack] bootstrap secret: ${stack.secrets.bootstrapSecret}`);
console.log("[stack] state in .dev-state/ — Ctrl-C to stop");

const stop = async () => {
  await stack.dispose();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
