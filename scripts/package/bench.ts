import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildCliPackage } from "./build-cli-package";
import { installCliPackage } from "./install-cli-package";
import { formatStartupFigures, measureStartup } from "./measure-startup";

/**
 * `pnpm bench:cli [runs]`: start-up of the installed `clawdentity` (packed, installed into a
 * temporary folder) beside Node's own start-up in the same run, and the repository's tsx binary.
 */
const runs = Number(process.argv[2] ?? 15);
const sourceBin = fileURLToPath(new URL("../../packages/cli/bin/clawdentity.mjs", import.meta.url));
const built = buildCliPackage();
const installed = installCliPackage({ tarball: built.tarball });
try {
  const figures = measureStartup(
    [
      { name: "node -e 0 (baseline)", command: process.execPath, args: ["-e", "0"] },
      { name: "clawdentity --help", command: installed.bin, args: ["--help"] },
      { name: "clawdentity --version", command: installed.bin, args: ["--version"] },
      // Loads one command's module, and with it zod and the connector.
      { name: "clawdentity init --help", command: installed.bin, args: ["init", "--help"] },
      { name: "source bin --help (tsx)", command: process.execPath, args: [sourceBin, "--help"] },
    ],
    runs,
  );
  for (const line of formatStartupFigures(figures)) console.log(line);
} finally {
  rmSync(installed.dir, { recursive: true, force: true });
}
