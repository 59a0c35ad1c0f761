import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineProject } from "vitest/config";
import { TEST_METRICS_TOKEN, TEST_PAIRING_SECRET, TEST_PROXY_SEED } from "./test/support/registry-fixture.ts";
import { createRegistryStub } from "./test/support/registry-stub.ts";

/** Worker tests in workerd: real Durable Objects, alarms and WebSockets; only the registry is a stub. */
export default defineProject({
  plugins: [
    cloudflareTest({
      main: "./src/worker.ts",
      wrangler: { configPath: "./wrangler.jsonc" },
      miniflare: {
        bindings: {
          PAIRING_TICKET_SECRET: TEST_PAIRING_SECRET,
          METRICS_TOKEN: TEST_METRICS_TOKEN,
          PROXY_SIGNING_KEY: TEST_PROXY_SEED,
          // The sessions' clock, random source and settings come from each test (src/test-runtime.ts).
          TEST_RUNTIME_HOOK: "on",
        },
        serviceBindings: { REGISTRY: createRegistryStub() as never },
      },
    }),
  ],
  test: {
    name: "proxy",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
