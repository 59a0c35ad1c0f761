import { describe, expect, it } from "vitest";
import {
  CLAW_AUTH_SCHEME,
  CLAW_HEADERS,
  CLAW_PROOF_MAX_SKEW_SECONDS,
  CLAW_PROOF_VERSION,
  toCanonicalRequestString,
} from "../src/index";

const input = {
  method: "post",
  pathWithQuery: "/v1/relay/messages?b=2&a=1",
  timestamp: "1767225600",
  nonce: "01JGQ8Z9ZQ0000000000000000",
  bodyHash: "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU",
};

describe("toCanonicalRequestString", () => {
  it("joins version, upper-case method, path as sent, timestamp, nonce and body hash with \\n", () => {
    expect(toCanonicalRequestString(input)).toBe(
      [
        "CLAW-PROOF-V1",
        "POST",
        "/v1/relay/messages?b=2&a=1",
        "1767225600",
        "01JGQ8Z9ZQ0000000000000000",
        "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU",
      ].join("\n"),
    );
  });

  it("has no trailing newline and exactly six lines", () => {
    const canonical = toCanonicalRequestString(input);
    expect(canonical.endsWith("\n")).toBe(false);
    expect(canonical.split("\n")).toHaveLength(6);
  });

  it("keeps the query unsorted and undecoded", () => {
    const canonical = toCanonicalRequestString({ ...input, pathWithQuery: "/x?y=%20z&a=1" });
    expect(canonical.split("\n")[2]).toBe("/x?y=%20z&a=1");
  });
});

describe("header constants", () => {
  it("name the PROTOCOL.md headers in the lower case the Fetch API reports", () => {
    expect(CLAW_HEADERS.timestamp).toBe("x-claw-timestamp");
    expect(CLAW_HEADERS.bodySha256).toBe("x-claw-body-sha256");
    expect(CLAW_HEADERS.relayProtocol).toBe("x-claw-relay-protocol");
    for (const name of Object.values(CLAW_HEADERS)) expect(name).toBe(name.toLowerCase());
  });

  it("fix the scheme, proof version and ±300 s skew", () => {
    expect(CLAW_AUTH_SCHEME).toBe("Claw");
    expect(CLAW_PROOF_VERSION).toBe("CLAW-PROOF-V1");
    expect(CLAW_PROOF_MAX_SKEW_SECONDS).toBe(300);
  });
});
