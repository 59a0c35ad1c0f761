import { toIsoTimestamp } from "@clawdentity/sdk";

/** A nullable epoch-ms column as the API's nullable ISO timestamp. */
export function toNullableIsoTimestamp(ms: number | null): string | null {
  return ms === null ? null : toIsoTimestamp(ms);
}
