import { describe, expect, it } from "vitest";
import { DEFAULT_PRIORITY, PRIORITIES, prioritySchema, toPriorityRank } from "../src/index";

describe("priorities", () => {
  it("are critical, normal and low, normal by default", () => {
    expect(PRIORITIES).toEqual(["critical", "normal", "low"]);
    expect(DEFAULT_PRIORITY).toBe("normal");
    for (const priority of PRIORITIES) expect(prioritySchema.parse(priority)).toBe(priority);
  });

  it("rank critical first and low last", () => {
    const sorted = [...PRIORITIES].reverse().sort((a, b) => toPriorityRank(a) - toPriorityRank(b));
    expect(sorted).toEqual(["critical", "normal", "low"]);
  });

  it.each(["high", "CRITICAL", "", 1])("reject %j", (value) => {
    expect(prioritySchema.safeParse(value).success).toBe(false);
  });
});
