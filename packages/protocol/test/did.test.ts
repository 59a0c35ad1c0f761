import { describe, expect, it } from "vitest";
import {
  agentDidSchema,
  DidParseError,
  didSchema,
  formatDid,
  humanDidSchema,
  isDid,
  parseDid,
  toDidAuthority,
} from "../src/index";
import { AGENT_DID, HUMAN_DID, ULID_A } from "./fixtures";

describe("parseDid", () => {
  it("splits a well-formed DID into authority, entity and id", () => {
    expect(parseDid(AGENT_DID)).toEqual({ authority: "registry.example.com", entity: "agent", id: ULID_A });
    expect(parseDid(`did:cdi:127.0.0.1:human:${ULID_A}`)).toEqual({
      authority: "127.0.0.1",
      entity: "human",
      id: ULID_A,
    });
  });

  it.each([
    ["another method", `did:web:registry.example.com:agent:${ULID_A}`],
    ["missing parts", `did:cdi:agent:${ULID_A}`],
    ["an extra segment", `did:cdi:registry.example.com:agent:${ULID_A}:extra`],
    ["an authority with a port", `did:cdi:127.0.0.1:8787:agent:${ULID_A}`],
    ["an upper-case authority", `did:cdi:Registry.example.com:agent:${ULID_A}`],
    ["an authority with an underscore", `did:cdi:my_host:agent:${ULID_A}`],
    ["an authority starting with a dash", `did:cdi:-host.example:agent:${ULID_A}`],
    ["an unknown entity", `did:cdi:registry.example.com:robot:${ULID_A}`],
    ["an upper-case entity", `did:cdi:registry.example.com:AGENT:${ULID_A}`],
    ["a short id", "did:cdi:registry.example.com:agent:01JGQ8Z9ZQ"],
    ["a lower-case id", `did:cdi:registry.example.com:agent:${ULID_A.toLowerCase()}`],
    ["an id with a forbidden letter", "did:cdi:registry.example.com:agent:01JGQ8Z9ZQ000000000000000U"],
    ["an id past the 48-bit time range", "did:cdi:registry.example.com:agent:81JGQ8Z9ZQ0000000000000000"],
    ["an empty string", ""],
  ])("rejects %s", (_label, value) => {
    expect(() => parseDid(value)).toThrow(DidParseError);
  });
});

describe("isDid", () => {
  it("accepts any entity without a filter and the named one with it", () => {
    expect(isDid(AGENT_DID)).toBe(true);
    expect(isDid(AGENT_DID, "agent")).toBe(true);
    expect(isDid(AGENT_DID, "human")).toBe(false);
    expect(isDid(HUMAN_DID, "human")).toBe(true);
  });

  it("is false for non-strings and malformed DIDs", () => {
    expect(isDid(42)).toBe(false);
    expect(isDid(null)).toBe(false);
    expect(isDid("did:cdi:x")).toBe(false);
  });
});

describe("formatDid", () => {
  it("round-trips with parseDid", () => {
    expect(formatDid(parseDid(AGENT_DID))).toBe(AGENT_DID);
  });

  it("refuses to format parts that would not parse", () => {
    expect(() => formatDid({ authority: "bad host", entity: "agent", id: ULID_A })).toThrow(DidParseError);
    expect(() => formatDid({ authority: "example.com", entity: "agent", id: "not-a-ulid" })).toThrow(DidParseError);
  });
});

describe("toDidAuthority", () => {
  it("takes the lower-case hostname of the issuer URL, without port or path", () => {
    expect(toDidAuthority("https://Registry.Example.com/v1")).toBe("registry.example.com");
    expect(toDidAuthority("http://127.0.0.1:8787")).toBe("127.0.0.1");
  });
});

describe("DID schemas", () => {
  it("didSchema takes both entities", () => {
    expect(didSchema.safeParse(AGENT_DID).success).toBe(true);
    expect(didSchema.safeParse(HUMAN_DID).success).toBe(true);
    expect(didSchema.safeParse("did:cdi:nope").success).toBe(false);
  });

  it("agentDidSchema refuses a human DID and humanDidSchema an agent DID", () => {
    expect(agentDidSchema.safeParse(AGENT_DID).success).toBe(true);
    expect(agentDidSchema.safeParse(HUMAN_DID).success).toBe(false);
    expect(humanDidSchema.safeParse(HUMAN_DID).success).toBe(true);
    expect(humanDidSchema.safeParse(AGENT_DID).success).toBe(false);
  });

  it("refuses non-string input", () => {
    expect(agentDidSchema.safeParse(7).success).toBe(false);
  });
});
