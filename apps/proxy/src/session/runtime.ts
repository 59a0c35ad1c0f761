import type { DeliveryReceiptEvent } from "@clawdentity/protocol";
import { type Clock, systemClock } from "@clawdentity/sdk";
import type { ProxyConfig, RelaySettings } from "../config";
import { readTestRuntime } from "../test-runtime";

/** What a relay session reads time, randomness and tuning from. */
export interface RelaySessionRuntime {
  readonly clock: Clock;
  readonly random: () => number;
  readonly settings: RelaySettings;
  /** Replaces the `RECEIPTS` queue producer when set (tests only). */
  readonly publishReceipts: ((events: DeliveryReceiptEvent[]) => Promise<void>) | undefined;
}

/** The system clock and `Math.random` over the configured settings; a test's own when config says so. */
export function createRelaySessionRuntime(config: Pick<ProxyConfig, "relay" | "testRuntimeHook">): RelaySessionRuntime {
  if (!config.testRuntimeHook) {
    return { clock: systemClock, random: Math.random, settings: config.relay, publishReceipts: undefined };
  }
  return {
    get clock() {
      return readTestRuntime().clock ?? systemClock;
    },
    get random() {
      return readTestRuntime().random ?? Math.random;
    },
    get settings() {
      const overrides = readTestRuntime().settings;
      return overrides ? { ...config.relay, ...overrides } : config.relay;
    },
    get publishReceipts() {
      return readTestRuntime().publishReceipts;
    },
  };
}
