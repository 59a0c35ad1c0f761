import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "connector",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    environment: "node",
    setupFiles: ["test/setup/wait-for-timeout.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Crash tests spawn child connectors; running files one at a time keeps the 2-core machine responsive.
    fileParallelism: false,
  },
});
