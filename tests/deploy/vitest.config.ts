import { defineProject } from "vitest/config";

/** The deploy check against real wrangler dry-runs (each bundles the Worker: seconds, not milliseconds). */
export default defineProject({
  test: {
    name: "deploy",
    include: ["**/*.test.ts"],
    environment: "node",
    testTimeout: 180_000,
  },
});
