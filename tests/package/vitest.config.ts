import { defineProject } from "vitest/config";

/**
 * The published product: the `clawdentity` npm package packed from this repository, installed into
 * an empty folder outside it, and run against a scratch stack. One file at a time (two cores).
 */
export default defineProject({
  test: {
    name: "package",
    include: ["**/*.test.ts"],
    environment: "node",
    testTimeout: 120_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
