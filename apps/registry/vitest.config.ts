import { generateKeyPairSync } from "node:crypto";
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineProject } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** A signing key made for this test run only; nothing secret is committed. */
function createTestSigningSeed(): string {
  const jwk = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" });
  if (!jwk.d) throw new Error("Ed25519 key export returned no seed");
  return jwk.d;
}

export default defineProject(async () => {
  const migrations = await readD1Migrations(here("./migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: here("./wrangler.jsonc") },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ENVIRONMENT: "local",
            REGISTRY_SIGNING_KEY: createTestSigningSeed(),
            REGISTRY_SIGNING_KID: "test-key-1",
            BOOTSTRAP_SECRET: "test-bootstrap-secret-0123456789",
          },
        },
      }),
    ],
    test: {
      name: "registry",
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/setup/apply-migrations.ts"],
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  };
});
