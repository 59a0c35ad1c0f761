/**
 * Every test project of the repository; the root `vitest.config.ts` runs them all.
 * Each package or app owns a `vitest.config.ts`; the sdk adds a workerd twin of its suite.
 */
export const testProjects = [
  "packages/*/vitest.config.ts",
  "packages/sdk/vitest.workers.config.ts",
  "apps/*/vitest.config.ts",
  "tests/*/vitest.config.ts",
];
