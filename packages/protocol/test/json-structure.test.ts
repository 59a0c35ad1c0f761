import { describe, expect, it } from "vitest";
import { findJsonStructureProblem, JSON_STRUCTURE_LIMITS } from "../src/index";

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("findJsonStructureProblem", () => {
  it("accepts ordinary payloads and nesting up to the limit", () => {
    expect(findJsonStructureProblem('{"text":"hello","n":[1,2,{"a":null}]}')).toBeNull();
    expect(findJsonStructureProblem(nested(JSON_STRUCTURE_LIMITS.maxDepth))).toBeNull();
    expect(findJsonStructureProblem('"just a string"')).toBeNull();
  });

  it("refuses nesting one level past the limit, and 10,000 levels in a 20 KB payload", () => {
    expect(findJsonStructureProblem(nested(JSON_STRUCTURE_LIMITS.maxDepth + 1))).toBe("depth");
    expect(findJsonStructureProblem(nested(10_000))).toBe("depth");
    expect(findJsonStructureProblem(`{"a":${'{"a":'.repeat(5_000)}1${"}".repeat(5_001)}`)).toBe("depth");
  });

  it("refuses more values than the limit", () => {
    const many = (count: number) => `[${Array.from({ length: count }, () => "0").join(",")}]`;
    expect(findJsonStructureProblem(many(JSON_STRUCTURE_LIMITS.maxValues))).toBeNull();
    expect(findJsonStructureProblem(many(JSON_STRUCTURE_LIMITS.maxValues + 1))).toBe("values");
  });

  it("ignores brackets and commas inside strings, escaped quotes included", () => {
    const text = JSON.stringify({ text: `${"[".repeat(500)}\\"${",".repeat(30_000)}` });
    expect(findJsonStructureProblem(text)).toBeNull();
    expect(JSON.parse(text)).toBeTruthy();
  });

  it("takes custom limits", () => {
    expect(findJsonStructureProblem("[[1]]", { maxDepth: 1, maxValues: 10 })).toBe("depth");
    expect(findJsonStructureProblem("[1,2,3]", { maxDepth: 5, maxValues: 2 })).toBe("values");
  });
});
