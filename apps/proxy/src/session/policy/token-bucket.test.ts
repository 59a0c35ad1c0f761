import { describe, expect, it } from "vitest";
import { takeToken } from "./token-bucket";

describe("takeToken", () => {
  it("allows a burst up to the limit, then refuses with the time until the next token", () => {
    let bucket: ReturnType<typeof takeToken>["bucket"] | undefined;
    for (let index = 0; index < 3; index++) {
      const taken = takeToken(bucket, 3, 0);
      expect(taken.allowed).toBe(true);
      bucket = taken.bucket;
    }
    const refused = takeToken(bucket, 3, 0);
    expect(refused).toMatchObject({ allowed: false, retryAfterMs: 20_000 });
  });

  it("refills continuously at limit per minute and never above the limit", () => {
    const empty = { tokens: 0, updatedAtMs: 0 };
    expect(takeToken(empty, 60, 999).allowed).toBe(false);
    expect(takeToken(empty, 60, 1_000).allowed).toBe(true);
    expect(takeToken(empty, 60, 3_600_000).bucket.tokens).toBe(59);
  });

  it("caps saved tokens when the limit is lowered", () => {
    expect(takeToken({ tokens: 50, updatedAtMs: 0 }, 2, 0).bucket.tokens).toBe(1);
  });
});
