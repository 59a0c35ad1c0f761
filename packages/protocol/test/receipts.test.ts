import { describe, expect, it } from "vitest";
import { DEAD_LETTER_REASONS, RECEIPT_STATUSES, receiptReasonSchema, receiptStatusSchema } from "../src/index";

describe("receipt statuses", () => {
  it("are exactly delivered_to_webhook and dead_lettered", () => {
    expect(RECEIPT_STATUSES).toEqual(["delivered_to_webhook", "dead_lettered"]);
    for (const status of RECEIPT_STATUSES) expect(receiptStatusSchema.parse(status)).toBe(status);
    expect(receiptStatusSchema.safeParse("delivered").success).toBe(false);
  });
});

describe("receipt reasons", () => {
  it("accept every reason the system emits", () => {
    for (const reason of DEAD_LETTER_REASONS) expect(receiptReasonSchema.safeParse(reason).success).toBe(true);
    expect(DEAD_LETTER_REASONS).toEqual(
      expect.arrayContaining(["expired", "max_attempts", "webhook_rejected", "recipient_revoked", "queue_full"]),
    );
  });

  it("stay open to new lower-case tokens", () => {
    expect(receiptReasonSchema.safeParse("webhook_status:410").success).toBe(true);
  });

  it.each(["", "Expired", "has space", "line\nbreak", "x".repeat(201)])("reject %j", (reason) => {
    expect(receiptReasonSchema.safeParse(reason).success).toBe(false);
  });
});
