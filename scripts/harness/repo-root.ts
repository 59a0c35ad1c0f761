import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The `clawdentity` binary, as a user runs it. */
export const CLI_BIN = join(REPO_ROOT, "packages", "cli", "bin", "clawdentity.mjs");
