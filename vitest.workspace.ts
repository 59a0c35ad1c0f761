/** Every test project of the repository; `vitest.config.ts` runs them all. */
export const testProjects = [
  "packages/protocol/vitest.config.ts",
  "packages/sdk/vitest.config.ts",
  "packages/sdk/vitest.workers.config.ts",
];
