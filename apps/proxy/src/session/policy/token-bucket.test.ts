import { describe, expect, it } from "vitest";
import { takeToken, takeTokens } from "./token-bucket";

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

describe("takeTokens", () => {
  it("grants what the bucket holds, up to the number wanted, with the wait for one more when short", () => {
    expect(takeTokens(undefined, 60, 0, 10)).toMatchObject({ allowed: true, granted: 10, retryAfterMs: 0 });
    const short = takeTokens({ tokens: 3.5, updatedAtMs: 0 }, 60, 0, 5);
    expect(short).toMatchObject({ allowed: true, granted: 3, bucket: { tokens: 0.5 }, retryAfterMs: 500 });
    expect(takeTokens({ tokens: 0.5, updatedAtMs: 0 }, 60, 0, 5)).toMatchObject({ allowed: false, granted: 0 });
  });
});
