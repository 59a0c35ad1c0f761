import { relative } from "node:path";
import { buildCliPackage } from "./build-cli-package";

/** `pnpm package`: builds and packs the `clawdentity` npm package; prints where the tarball is. */
const built = buildCliPackage();
console.log(
  `${built.cached ? "up to date" : "packed"}: ${relative(process.cwd(), built.tarball)} (clawdentity ${built.version})`,
);
console.log(`install it anywhere with: npm install -g ${built.tarball}`);
