import { describe, expect, it } from "vitest";
import { decodeBase64url, encodeBase64url, encodeUtf8, hashBodySha256 } from "../src/index";

describe("base64url", () => {
  it.each([
    [[], ""],
    [[0x66], "Zg"],
    [[0x66, 0x6f], "Zm8"],
    [[0x66, 0x6f, 0x6f], "Zm9v"],
    [[0xfb, 0xff], "-_8"],
    [[0xff, 0xff, 0xff], "____"],
    [[0x00, 0x00, 0x00, 0x00], "AAAAAA"],
  ])("encodes %j as %j without padding and decodes it back", (bytes, text) => {
    expect(encodeBase64url(new Uint8Array(bytes))).toBe(text);
    expect([...decodeBase64url(text)]).toEqual(bytes);
  });

  it("round-trips every length from 0 to 64 bytes and every byte value", () => {
    const all = new Uint8Array(256).map((_, index) => index);
    for (let length = 0; length <= 64; length++) {
      const bytes = all.slice(length, length * 2 + 1);
      expect(decodeBase64url(encodeBase64url(bytes))).toEqual(bytes);
    }
    expect(decodeBase64url(encodeBase64url(all))).toEqual(all);
  });

  it.each([
    ["padding", "Zg=="],
    ["the standard alphabet's +", "+/8"],
    ["the standard alphabet's /", "ab/c"],
    ["whitespace", "Zm9v Zg"],
    ["a newline", "Zm9v\n"],
    ["an impossible length", "Zm9vZ"],
    ["non-zero trailing bits", "Zh"],
    ["non-zero trailing bits after two bytes", "Zm9"],
  ])("rejects %s", (_label, text) => {
    expect(() => decodeBase64url(text)).toThrow(TypeError);
  });
});

describe("hashBodySha256", () => {
  it("hashes the empty body as the empty string for null, undefined, '' and no bytes", async () => {
    const empty = "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU";
    expect(await hashBodySha256("")).toBe(empty);
    expect(await hashBodySha256(null)).toBe(empty);
    expect(await hashBodySha256(undefined)).toBe(empty);
    expect(await hashBodySha256(new Uint8Array())).toBe(empty);
  });

  it("gives the same hash for a string and its UTF-8 bytes", async () => {
    const text = '{"text":"héllo ✓"}';
    expect(await hashBodySha256(encodeUtf8(text))).toBe(await hashBodySha256(text));
    expect(await hashBodySha256(text)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
