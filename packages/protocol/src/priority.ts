import { z } from "zod";

export const PRIORITIES = ["critical", "normal", "low"] as const;
export const prioritySchema = z.enum(PRIORITIES);
export type Priority = z.infer<typeof prioritySchema>;
export const DEFAULT_PRIORITY: Priority = "normal";

/** Lower rank drains first. */
export const PRIORITY_RANK: Record<Priority, number> = { critical: 0, normal: 1, low: 2 };

export function toPriorityRank(priority: Priority): number {
  return PRIORITY_RANK[priority];
}
