import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineProject } from "vitest/config";

/** The same suite inside workerd: proves the sdk is Worker-safe. */
export default defineProject({
  plugins: [
    cloudflareTest({
      miniflare: { compatibilityDate: "2026-04-01", compatibilityFlags: ["nodejs_compat"] },
    }),
  ],
  test: { name: "sdk:workerd", include: ["test/**/*.test.ts"] },
});
