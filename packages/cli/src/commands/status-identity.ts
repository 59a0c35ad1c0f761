import type { ConnectorIdentityStatus } from "@clawdentity/protocol";

/** Under this an AIT's expiry is worth a warning: a week for an owner to notice and act. */
export const EXPIRY_WARNING_MS = 7 * 86_400_000;

/** A rough span for a person: minutes, hours or days. */
function toSpan(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes < 120) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / 1_440)} d`;
}

/**
 * What `status` warns about the agent's identity: an AIT expired or revoked (the connector stopped
 * calling the proxy), one expiring within a week, a failing self-renewal. `identity` is the running
 * connector's view; without a connector only the expiry of the AIT on disk is known.
 */
export function toIdentityWarnings(
  input: { identity?: ConnectorIdentityStatus | undefined; aitExpiresAt: string | null },
  nowMs: number,
): string[] {
  const { identity } = input;
  const expiresAt = identity?.expiresAt ?? input.aitExpiresAt;
  const warnings: string[] = [];
  if (identity?.state === "revoked") {
    warnings.push("the agent or its AIT was revoked: the connector stopped calling the proxy");
  } else if (identity?.state === "expired" || (expiresAt && Date.parse(expiresAt) <= nowMs)) {
    warnings.push(`the AIT expired ${expiresAt}: its owner must reissue it (clawdentity agent reissue)`);
  } else if (expiresAt && Date.parse(expiresAt) - nowMs < EXPIRY_WARNING_MS) {
    const renewal = identity?.renewal.enabled
      ? ""
      : " and nothing renews it (no running connector, or self-renewal off)";
    warnings.push(`the AIT expires in ${toSpan(Date.parse(expiresAt) - nowMs)} (${expiresAt})${renewal}`);
  }
  const renewal = identity?.renewal;
  if (renewal && renewal.consecutiveFailures > 0) {
    const next = renewal.nextAttemptAt ? `; next try ${renewal.nextAttemptAt}` : "";
    warnings.push(
      `renewal failing (${renewal.consecutiveFailures} in a row): ${renewal.lastError ?? "unknown"}${next}`,
    );
  }
  return warnings;
}

/** The identity line of `status`: which AIT, until when, and when the connector renews it. */
export function toIdentityLine(identity: ConnectorIdentityStatus, nowMs: number): string {
  const expires = Date.parse(identity.expiresAt);
  const left = expires > nowMs ? `in ${toSpan(expires - nowMs)}` : `${toSpan(nowMs - expires)} ago`;
  const renews = identity.renewal.nextAttemptAt ? `, renews ${identity.renewal.nextAttemptAt}` : "";
  return `  identity AIT ${identity.jti} ${identity.state}, expires ${identity.expiresAt} (${left})${renews}`;
}
