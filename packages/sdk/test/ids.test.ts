import { isUlid } from "@clawdentity/protocol";
import { describe, expect, it } from "vitest";
import { createUlid, toUlidTimeMs } from "../src/index";

describe("createUlid", () => {
  it("makes valid ULIDs carrying the given time", () => {
    const id = createUlid(1_767_225_600_000);
    expect(isUlid(id)).toBe(true);
    expect(toUlidTimeMs(id)).toBe(1_767_225_600_000);
  });

  it("sorts ids made within one millisecond in creation order", () => {
    const ids = Array.from({ length: 100 }, () => createUlid(1_767_225_600_001));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
