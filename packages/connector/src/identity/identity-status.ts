import type { ConnectorIdentityStatus } from "@clawdentity/protocol";
import { type Clock, toIsoTimestamp } from "@clawdentity/sdk";
import type { MetricsRegistry } from "../metrics";
import type { IdentityKeeper } from "./identity-keeper";
import type { RenewalState } from "./renewal-worker";

const PREFIX = "clawdentity_connector";

const isoOrAbsent = <K extends string>(key: K, ms: number | null) =>
  (ms === null ? {} : { [key]: toIsoTimestamp(ms) }) as Partial<Record<K, string>>;

/** `identity` of `GET /v1/status`: the AIT's lifetime, whether it works, and how renewal goes. */
export function toIdentityStatus(keeper: IdentityKeeper, renewal: RenewalState): ConnectorIdentityStatus {
  const { claims } = keeper.current();
  return {
    jti: claims.jti,
    issuedAt: toIsoTimestamp(claims.iat * 1000),
    expiresAt: toIsoTimestamp(claims.exp * 1000),
    state: keeper.halted() ?? (renewal.renewing ? "renewing" : "valid"),
    renewal: {
      enabled: renewal.enabled,
      ...isoOrAbsent("nextAttemptAt", renewal.nextAttemptAt),
      ...isoOrAbsent("lastAttemptAt", renewal.lastAttemptAt),
      ...isoOrAbsent("lastRenewedAt", renewal.lastRenewedAt),
      consecutiveFailures: renewal.consecutiveFailures,
      ...(renewal.lastError ? { lastError: renewal.lastError } : {}),
      ...(renewal.lastErrorCode ? { lastErrorCode: renewal.lastErrorCode } : {}),
    },
  };
}

/** Gauges read at scrape time: when the AIT expires, whether the identity is halted, renewal failures. */
export function registerIdentityGauges(
  registry: MetricsRegistry,
  sources: { keeper: IdentityKeeper; renewal: () => RenewalState; clock: Clock },
): void {
  const { keeper } = sources;
  registry.gauge(`${PREFIX}_ait_expires_at_seconds`, "When the current AIT expires (unix seconds).", () => [
    { value: keeper.current().claims.exp },
  ]);
  registry.gauge(
    `${PREFIX}_ait_remaining_seconds`,
    "Seconds until the current AIT expires (negative once past).",
    () => [{ value: keeper.current().claims.exp - sources.clock.nowMs() / 1000 }],
  );
  registry.gauge(
    `${PREFIX}_identity_halted`,
    "1 while every call to the proxy waits for a new identity (the AIT expired or was revoked).",
    () => [{ value: keeper.halted() ? 1 : 0 }],
  );
  registry.gauge(`${PREFIX}_identity_renewal_failures`, "Self-renewals failed in a row.", () => [
    { value: sources.renewal().consecutiveFailures },
  ]);
}
