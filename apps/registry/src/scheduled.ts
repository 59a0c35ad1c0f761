import type { RegistryContext } from "./context";
import { pruneAgentNonces, pruneChallenges } from "./db";
import { type SweepResult, sweepOutbox } from "./outbox";

/** Challenges are kept a day past expiry so a late registration still gets a precise error. */
const CHALLENGE_RETENTION_MS = 86_400_000;

/** The cron trigger's work: the outbox sweep, then housekeeping (challenges, spent request nonces). */
export async function handleScheduled(
  context: RegistryContext,
): Promise<SweepResult & { prunedChallenges: number; prunedNonces: number }> {
  const { db, publisher, clock, config } = context;
  const sweep = await sweepOutbox({ db, publisher, clock, outbox: config.outbox });
  const prunedChallenges = await pruneChallenges(db, clock.nowMs() - CHALLENGE_RETENTION_MS);
  const prunedNonces = await pruneAgentNonces(db, clock.nowMs());
  if (sweep.claimed > 0 || sweep.pruned > 0) console.log("outbox sweep", sweep);
  return { ...sweep, prunedChallenges, prunedNonces };
}
