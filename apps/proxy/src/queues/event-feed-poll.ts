import {
  agentAuthRevokedEventSchema,
  EVENT_TYPES,
  eventFeedResponseSchema,
  REGISTRY_PATHS,
} from "@clawdentity/protocol";
import { toNowSeconds, verifyEventFeed } from "@clawdentity/sdk";
import { toRevocationSweepObject } from "../metrics";
import { toRevokeInput } from "./revocation-events";
import type { CronJobDeps } from "./revocation-sweep";

/** Pages read per run; a longer backlog is finished by the next runs (one a minute). */
const FEED_MAX_PAGES = 10;

export interface FeedPollResult {
  pages: number;
  applied: number;
  cursor: string;
}

/**
 * PROTOCOL.md §11.5: every minute (cron) the proxy reads the registry's signed event feed from its
 * cursor and applies each `agent.auth.revoked` to the agent's relay session exactly as the queue
 * consumer would, under the event's own id, so an event this deployment already took from its
 * queue is a no-op. This is how a revocation reaches a deployment that does not share the
 * registry's queue, within a poll interval plus a run.
 */
export async function pollEventFeed(deps: CronJobDeps): Promise<FeedPollResult> {
  const { env, config, clock, registry, session } = deps;
  const store = toRevocationSweepObject(env);
  let cursor = await store.readEventFeedCursor();
  let pages = 0;
  let applied = 0;
  let hasMore = true;
  while (hasMore && pages < FEED_MAX_PAGES) {
    const response = await registry.fetch(`${REGISTRY_PATHS.events}?cursor=${cursor}`);
    if (!response.ok) throw new Error(`registry answered ${response.status} for the event feed`);
    const { feed } = eventFeedResponseSchema.parse(await response.json());
    const page = await verifyEventFeed({
      token: feed,
      keys: registry.keys,
      nowSeconds: toNowSeconds(clock),
      issuer: config.registryIssuer,
    });
    for (const envelope of page.events) {
      if (envelope.type !== EVENT_TYPES.agentAuthRevoked) continue;
      const parsed = agentAuthRevokedEventSchema.safeParse(envelope);
      if (!parsed.success) continue;
      const { agentDid, jti, reason } = parsed.data.data;
      await session(agentDid).revoke(toRevokeInput({ jti, reason, eventId: parsed.data.id }));
      applied++;
    }
    cursor = page.nextCursor;
    await store.advanceEventFeedCursor(cursor);
    hasMore = page.hasMore;
    pages++;
  }
  return { pages, applied, cursor };
}
