import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import {
  createWebhookSecret,
  signWebhook,
  verifyWebhook,
  WEBHOOK_TOLERANCE_SECONDS,
  WebhookVerificationError,
} from "../src/index";

const NOW = 1_790_000_000;
const BODY = JSON.stringify({
  type: "clawdentity.delivery.v1",
  messageId: "01J0000000000000000000000A",
  payload: { text: "héllo" },
});
const ID = "01J0000000000000000000000A";

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WebhookVerificationError);
  return (error as WebhookVerificationError).reason;
}

describe("Standard Webhooks signatures", () => {
  it("signs what the standardwebhooks library verifies, and verifies what it signs", async () => {
    const secret = createWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const headers = await signWebhook({ secret, id: ID, body: BODY, timestamp: NOW });
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);

    const oracle = new Webhook(secret);
    // The library checks the timestamp against the real clock: sign at now for it.
    const fresh = await signWebhook({ secret, id: ID, body: BODY });
    expect(oracle.verify(BODY, { ...fresh })).toEqual(JSON.parse(BODY));
    expect(oracle.sign(ID, new Date(NOW * 1000), BODY)).toBe(headers["webhook-signature"]);

    const theirs = oracle.sign(ID, new Date(NOW * 1000), BODY);
    const verified = await verifyWebhook({
      secret,
      headers: new Headers({ "webhook-id": ID, "webhook-timestamp": String(NOW), "webhook-signature": theirs }),
      body: BODY,
      nowSeconds: NOW + 10,
    });
    expect(verified).toEqual({ id: ID, timestamp: NOW });
  });

  it("signs each call with its own secret when secrets alternate, and a bad secret spoils no later call", async () => {
    const [first, second] = [createWebhookSecret(), createWebhookSecret()];
    for (const secret of [first, second, first, first, second]) {
      const headers = await signWebhook({ secret, id: ID, body: BODY, timestamp: NOW });
      expect(headers["webhook-signature"]).toBe(new Webhook(secret).sign(ID, new Date(NOW * 1000), BODY));
    }
    expect(await refusal(signWebhook({ secret: "whsec_c2hvcnQ=", id: ID, body: BODY }))).toBe("invalid_secret");
    expect(await refusal(signWebhook({ secret: "whsec_c2hvcnQ=", id: ID, body: BODY }))).toBe("invalid_secret");
    const headers = await signWebhook({ secret: first, id: ID, body: BODY, timestamp: NOW });
    expect(headers["webhook-signature"]).toBe(new Webhook(first).sign(ID, new Date(NOW * 1000), BODY));
  });

  it("accepts any matching v1 signature of a space-separated list (a secret being rotated)", async () => {
    const [oldSecret, newSecret] = [createWebhookSecret(), createWebhookSecret()];
    const signedOld = await signWebhook({ secret: oldSecret, id: ID, body: BODY, timestamp: NOW });
    const signedNew = await signWebhook({ secret: newSecret, id: ID, body: BODY, timestamp: NOW });
    const headers = {
      ...signedNew,
      "webhook-signature": `v2,abc ${signedOld["webhook-signature"]} ${signedNew["webhook-signature"]}`,
    };
    await expect(verifyWebhook({ secret: newSecret, headers, body: BODY, nowSeconds: NOW })).resolves.toEqual({
      id: ID,
      timestamp: NOW,
    });
  });

  it("refuses a tampered body, id or timestamp, a wrong secret and missing headers", async () => {
    const secret = createWebhookSecret();
    const headers = await signWebhook({ secret, id: ID, body: BODY, timestamp: NOW });
    const verify = (overrides: { body?: string; headers?: Record<string, string>; secret?: string }) =>
      verifyWebhook({
        secret: overrides.secret ?? secret,
        headers: { ...headers, ...overrides.headers },
        body: overrides.body ?? BODY,
        nowSeconds: NOW,
      });
    expect(await refusal(verify({ body: BODY.replace("héllo", "hello") }))).toBe("invalid_signature");
    expect(await refusal(verify({ body: `${BODY} ` }))).toBe("invalid_signature");
    expect(await refusal(verify({ headers: { "webhook-id": "01J0000000000000000000000B" } }))).toBe(
      "invalid_signature",
    );
    expect(await refusal(verify({ headers: { "webhook-timestamp": String(NOW - 1) } }))).toBe("invalid_signature");
    expect(await refusal(verify({ secret: createWebhookSecret() }))).toBe("invalid_signature");
    expect(await refusal(verify({ headers: { "webhook-signature": "v1,not base64!" } }))).toBe("invalid_signature");
    expect(await refusal(verifyWebhook({ secret, headers: {}, body: BODY, nowSeconds: NOW }))).toBe("missing_header");
    expect(await refusal(verify({ headers: { "webhook-timestamp": "1e9" } }))).toBe("invalid_timestamp");
    expect(await refusal(verify({ secret: "whsec_c2hvcnQ=" }))).toBe("invalid_secret");
  });

  it("refuses a timestamp outside the tolerance window, either way", async () => {
    const secret = createWebhookSecret();
    const headers = await signWebhook({ secret, id: ID, body: BODY, timestamp: NOW });
    const at = (nowSeconds: number, toleranceSeconds?: number) =>
      verifyWebhook({ secret, headers, body: BODY, nowSeconds, ...(toleranceSeconds ? { toleranceSeconds } : {}) });
    await expect(at(NOW + WEBHOOK_TOLERANCE_SECONDS)).resolves.toMatchObject({ id: ID });
    expect(await refusal(at(NOW + WEBHOOK_TOLERANCE_SECONDS + 1))).toBe("timestamp_too_old");
    expect(await refusal(at(NOW - WEBHOOK_TOLERANCE_SECONDS - 1))).toBe("timestamp_too_new");
    expect(await refusal(at(NOW + 61, 60))).toBe("timestamp_too_old");
  });
});
