/** Well-formed values the schema tests start from; each test breaks one field at a time. */
export const ULID_A = "01JGQ8Z9ZQ0000000000000000";
export const ULID_B = "01JGQ8Z9ZQ0000000000000001";
export const ULID_C = "01JGQ8Z9ZQ0000000000000002";
export const AGENT_DID = `did:cdi:registry.example.com:agent:${ULID_A}`;
export const OTHER_AGENT_DID = `did:cdi:registry.example.com:agent:${ULID_B}`;
export const HUMAN_DID = `did:cdi:registry.example.com:human:${ULID_C}`;
export const PUBLIC_KEY_X = "ebVWLo_mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ";
export const ISO_NOW = "2026-01-01T00:00:00.000Z";
export const NOW_SECONDS = 1_767_225_600;
export const DAY_SECONDS = 86_400;

/** Returns a copy of `value` without `key`, for "missing field" cases. */
export function without<T extends object>(value: T, key: keyof T): Partial<T> {
  const copy = { ...value };
  delete copy[key];
  return copy;
}
