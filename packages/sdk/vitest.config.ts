import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "sdk:node", include: ["test/**/*.test.ts"], environment: "node" },
});
