import { describe, expect, it } from "vitest";
import {
  createSecretToken,
  isEqualConstantTime,
  isSecretTokenMatch,
  parseSecretTokenId,
  toSecretHash,
} from "../src/auth";

describe("secret tokens", () => {
  it("round-trips: the id is readable and only the right value matches the hash", async () => {
    const token = await createSecretToken("clw_pat_", Date.now());
    expect(token.value).toMatch(/^clw_pat_[0-9A-Z]{26}_[A-Za-z0-9_-]{43}$/);
    expect(parseSecretTokenId(token.value, "clw_pat_")).toBe(token.id);
    expect(token.hash).toBe(await toSecretHash(token.value));
    expect(await isSecretTokenMatch(token.value, token.hash)).toBe(true);
    expect(await isSecretTokenMatch(`${token.value.slice(0, -1)}x`, token.hash)).toBe(false);
  });

  it("rejects anything that is not exactly a token of that kind", async () => {
    const token = await createSecretToken("clw_inv_", Date.now());
    for (const value of [
      token.value.replace("clw_inv_", "clw_pat_"),
      `${token.value}A`,
      token.value.slice(0, -1),
      token.value.replace(/_([A-Za-z0-9_-]{43})$/, "-$1"),
      "clw_inv_",
      "",
    ]) {
      expect(parseSecretTokenId(value, "clw_inv_"), value).toBeNull();
    }
  });

  it("compares bytes without short-circuiting on length-equal inputs", () => {
    expect(isEqualConstantTime(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(isEqualConstantTime(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(isEqualConstantTime(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2]))).toBe(false);
  });
});
