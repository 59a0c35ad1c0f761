import { defineProject } from "vitest/config";

/**
 * End-to-end: the real registry and proxy in one local workerd, real connector processes started
 * through the `clawdentity` binary, real webhook receivers. One file at a time: each starts its own
 * stack and connectors, and the machine has two cores.
 */
export default defineProject({
  test: {
    name: "e2e",
    include: ["**/*.test.ts"],
    environment: "node",
    testTimeout: 90_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
