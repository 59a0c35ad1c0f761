import type { RevocationEntry } from "@clawdentity/protocol";
import type { Clock } from "@clawdentity/sdk";
import type { RegistryClient } from "../auth";
import type { ProxyConfig } from "../config";
import { toRevocationSweepObject } from "../metrics";
import type { AgentRelaySession } from "../session";
import { toRevokeInput } from "./revocation-events";

/** Entries applied per run (in groups of `SWEEP_CONCURRENCY`); a longer backlog is finished by the next runs. */
const SWEEP_MAX = 5_000;
const SWEEP_CONCURRENCY = 50;
/** Registry clocks and CRL generation may lag a little: entries this close below the watermark are looked at again. */
const WATERMARK_SLACK_MS = 5 * 60_000;

/** What the cron's registry jobs (this sweep, the event feed poll) work with. */
export interface CronJobDeps {
  env: Env;
  config: ProxyConfig;
  clock: Clock;
  registry: RegistryClient;
  session: (agentDid: string) => DurableObjectStub<AgentRelaySession>;
}

export interface SweepResult {
  /** Entries in the signed list. */
  listed: number;
  /** Entries at or after the watermark, applied to their agents' sessions in this run (most of them no-ops). */
  applied: number;
  /** Entries left for the next run (the batch bound). */
  remaining: number;
  watermarkMs: number;
}

/**
 * The safety net for an `agent.auth.revoked` event lost in transit: every minute (cron) the
 * proxy fetches the registry's signed revocation list and applies each entry newer than its
 * watermark to the agent's relay session, exactly as the event would have (revocation recorded,
 * sockets closed, queue dead-lettered). Each entry is applied under the event id `crl:<jti>`, so
 * repeats are no-ops; a revocation therefore takes effect within one cron interval plus the
 * registry's CRL cache age, whatever happened to its event. Signed requests are refused even
 * sooner, by the CRL check of every request.
 */
export async function sweepRevocationList(deps: CronJobDeps): Promise<SweepResult> {
  const { env, config, clock, registry, session } = deps;
  const claims = await registry.fetchCrl();
  const cursor = toRevocationSweepObject(env);
  const watermarkMs = await cursor.readSweepWatermark();
  const fromMs =
    watermarkMs === null ? clock.nowMs() - config.revocationSweepLookbackMs : watermarkMs - WATERMARK_SLACK_MS;
  const due = claims.revocations
    .filter((entry) => entry.revokedAt * 1000 >= fromMs)
    .sort((a, b) => a.revokedAt - b.revokedAt);
  const batch = due.slice(0, SWEEP_MAX);
  for (let start = 0; start < batch.length; start += SWEEP_CONCURRENCY) {
    const group = batch.slice(start, start + SWEEP_CONCURRENCY);
    await Promise.all(group.map((entry) => session(entry.agentDid).revoke(toSweepRevokeInput(entry))));
  }
  const last = batch.at(-1);
  const reachedMs = last ? last.revokedAt * 1000 : (watermarkMs ?? fromMs);
  const nextWatermarkMs = await cursor.advanceSweepWatermark(reachedMs);
  return {
    listed: claims.revocations.length,
    applied: batch.length,
    remaining: due.length - batch.length,
    watermarkMs: nextWatermarkMs,
  };
}

function toSweepRevokeInput(entry: RevocationEntry) {
  return toRevokeInput({ jti: entry.jti, reason: entry.reason ?? "revoked", eventId: `crl:${entry.jti}` });
}
