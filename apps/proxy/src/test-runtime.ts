import type { DeliveryReceiptEvent } from "@clawdentity/protocol";
import type { Clock } from "@clawdentity/sdk";
import type { RelaySettings } from "./config";

/** What a test sets for the relay sessions and federation outboxes of its isolate. */
export interface TestRuntime {
  clock?: Clock;
  random?: () => number;
  settings?: Partial<RelaySettings>;
  /** Replaces the `RECEIPTS` queue producer (tests route the events themselves). */
  publishReceipts?: (events: DeliveryReceiptEvent[]) => Promise<void>;
}

let current: TestRuntime = {};

/**
 * Tests only. The runtime constructs Durable Objects with nothing but their env, and a manual
 * clock cannot travel in a binding; tests share the isolate with the objects, so they set it
 * here. Objects read it only when config has `testRuntimeHook` (`TEST_RUNTIME_HOOK=on`, which
 * config refuses outside ENVIRONMENT=local): production never looks.
 */
export function setTestRuntime(next: TestRuntime): void {
  current = next;
}

/** What the current test set; read on every access, so objects built before it follow too. */
export function readTestRuntime(): TestRuntime {
  return current;
}
