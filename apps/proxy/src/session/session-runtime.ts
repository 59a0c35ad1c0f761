import type { DeliveryReceiptEvent } from "@clawdentity/protocol";
import { type Clock, systemClock } from "../clock";
import type { RelaySettings } from "../config";

/** What a relay session reads time, randomness and tuning from. */
export interface RelaySessionRuntime {
  readonly clock: Clock;
  readonly random: () => number;
  readonly settings: RelaySettings;
  /** Replaces the `RECEIPTS` queue producer when set (tests route the events themselves). */
  readonly publishReceipts: ((events: DeliveryReceiptEvent[]) => Promise<void>) | undefined;
}

export interface RelaySessionOverrides {
  clock?: Clock;
  random?: () => number;
  settings?: Partial<RelaySettings>;
  publishReceipts?: (events: DeliveryReceiptEvent[]) => Promise<void>;
}

let overrides: RelaySessionOverrides = {};

/**
 * The runtime constructs Durable Objects itself, so they cannot take a clock argument. Tests share
 * the isolate with the objects and swap the clock, random source, settings and the receipts
 * producer here; production never calls it.
 */
export function setRelaySessionOverrides(next: RelaySessionOverrides): void {
  overrides = next;
}

/** Reads the overrides on every access, so objects created before a test changed them follow too. */
export function createRelaySessionRuntime(base: RelaySettings): RelaySessionRuntime {
  return {
    get clock() {
      return overrides.clock ?? systemClock;
    },
    get random() {
      return overrides.random ?? Math.random;
    },
    get settings() {
      return overrides.settings ? { ...base, ...overrides.settings } : base;
    },
    get publishReceipts() {
      return overrides.publishReceipts;
    },
  };
}
