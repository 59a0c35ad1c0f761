import type { ConnectorIdentityStatus } from "@clawdentity/protocol";
import { describe, expect, it } from "vitest";
import { toIdentityLine, toIdentityWarnings } from "./status-identity";

const NOW = Date.parse("2026-03-01T00:00:00.000Z");
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

function identity(patch: Partial<ConnectorIdentityStatus> = {}): ConnectorIdentityStatus {
  return {
    jti: "01J0000000000000000000000J",
    issuedAt: iso(NOW - 10 * DAY),
    expiresAt: iso(NOW + 20 * DAY),
    state: "valid",
    renewal: { enabled: true, nextAttemptAt: iso(NOW + 10 * DAY), consecutiveFailures: 0 },
    ...patch,
  };
}

describe("status warnings about the agent's identity", () => {
  it("none while the AIT has more than a week and renewal works", () => {
    expect(toIdentityWarnings({ identity: identity(), aitExpiresAt: null }, NOW)).toEqual([]);
    expect(toIdentityLine(identity(), NOW)).toBe(
      `  identity AIT 01J0000000000000000000000J valid, expires ${iso(NOW + 20 * DAY)} (in 20 d), renews ${iso(NOW + 10 * DAY)}`,
    );
  });

  it("an AIT under 7 days, from the connector or from the file when no connector runs", () => {
    const soon = identity({ expiresAt: iso(NOW + 3 * DAY) });
    expect(toIdentityWarnings({ identity: soon, aitExpiresAt: null }, NOW)).toEqual([
      `the AIT expires in 3 d (${iso(NOW + 3 * DAY)})`,
    ]);
    expect(toIdentityWarnings({ aitExpiresAt: iso(NOW + 6 * DAY) }, NOW)[0]).toMatch(
      /^the AIT expires in 6 d .* and nothing renews it/,
    );
    expect(toIdentityWarnings({ aitExpiresAt: iso(NOW + 8 * DAY) }, NOW)).toEqual([]);
  });

  it("a failing renewal, an expired or a revoked identity", () => {
    const failing = identity({
      renewal: {
        enabled: true,
        nextAttemptAt: iso(NOW + 3_600_000),
        consecutiveFailures: 2,
        lastError: "HTTP 403 REGISTRY_RENEWAL_DISABLED",
        lastErrorCode: "REGISTRY_RENEWAL_DISABLED",
      },
    });
    expect(toIdentityWarnings({ identity: failing, aitExpiresAt: null }, NOW)).toEqual([
      `renewal failing (2 in a row): HTTP 403 REGISTRY_RENEWAL_DISABLED; next try ${iso(NOW + 3_600_000)}`,
    ]);
    const expired = identity({ state: "expired", expiresAt: iso(NOW - DAY) });
    expect(toIdentityWarnings({ identity: expired, aitExpiresAt: null }, NOW)[0]).toMatch(
      /^the AIT expired .* agent reissue/,
    );
    expect(toIdentityWarnings({ aitExpiresAt: iso(NOW - 1) }, NOW)[0]).toMatch(/^the AIT expired/);
    expect(toIdentityWarnings({ identity: identity({ state: "revoked" }), aitExpiresAt: null }, NOW)).toEqual([
      "the agent or its AIT was revoked: the connector stopped calling the proxy",
    ]);
  });
});
