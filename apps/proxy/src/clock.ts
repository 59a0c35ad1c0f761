import { type Clock, toUnixSeconds } from "@clawdentity/sdk";

export { type Clock, systemClock, toIsoTimestamp } from "@clawdentity/sdk";

export function toNowSeconds(clock: Clock): number {
  return toUnixSeconds(clock.nowMs());
}
