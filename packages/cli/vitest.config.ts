import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "cli",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The local-stack suite starts workerd and connectors; one file at a time keeps the 2-core machine usable.
    fileParallelism: false,
  },
});
