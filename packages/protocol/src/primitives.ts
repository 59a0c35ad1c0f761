import { z } from "zod";

/** Crockford base32 ULID: 26 characters, first one at most 7 (48-bit time). */
export const ULID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
export const BASE64URL_PATTERN = /^[A-Za-z0-9_-]*$/;

export const ulidSchema = z.string().regex(ULID_PATTERN, "must be a ULID");
export const base64urlSchema = z.string().regex(BASE64URL_PATTERN, "must be base64url without padding");
export const isoTimestampSchema = z.iso.datetime({ offset: true });
export const unixSecondsSchema = z.number().int().nonnegative();

export function isUlid(value: unknown): value is string {
  return typeof value === "string" && ULID_PATTERN.test(value);
}

/** Control characters are never allowed in names or reasons that reach logs and headers. */
export function hasControlChars(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code <= 0x1f || code === 0x7f) return true;
  }
  return false;
}

export const safeTextSchema = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !hasControlChars(value), "must not contain control characters");
