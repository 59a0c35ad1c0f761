import { crlResponseSchema, eventFeedResponseSchema, registryKeysDocumentSchema } from "@clawdentity/protocol";
import { createRegistryKeysCache, verifyAit, verifyCrl, verifyEventFeed } from "@clawdentity/sdk";
import type { TestRegistry } from "./registry";

/** Verifies like a relying party would: keys fetched from the registry's own well-known document. */
export function createVerifier(registry: TestRegistry) {
  const keys = createRegistryKeysCache({
    fetchKeys: async () =>
      registryKeysDocumentSchema.parse((await registry.call("GET", "/.well-known/claw-keys.json")).body),
  });
  const nowSeconds = () => Math.floor(registry.clock.nowMs() / 1000);
  return {
    verifyAit: (token: string) =>
      verifyAit({ token, keys, nowSeconds: nowSeconds(), issuer: registry.config.issuerUrl }),
    async fetchCrl() {
      const { crl } = crlResponseSchema.parse((await registry.call("GET", "/v1/crl")).body);
      return verifyCrl({ token: crl, keys, nowSeconds: nowSeconds(), issuer: registry.config.issuerUrl });
    },
    async fetchEventFeed(query = "") {
      const { feed } = eventFeedResponseSchema.parse((await registry.call("GET", `/v1/events${query}`)).body);
      return verifyEventFeed({ token: feed, keys, nowSeconds: nowSeconds(), issuer: registry.config.issuerUrl });
    },
  };
}
