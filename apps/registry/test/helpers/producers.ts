import { env } from "cloudflare:workers";
import { type AgentAuthRevokedEvent, agentAuthRevokedEventSchema } from "@clawdentity/protocol";
import type { EventProducer } from "../../src/outbox";

/** The real queue binding, with every successfully sent body recorded. */
export function createRecordingProducer(target: EventProducer = env.EVENTS) {
  const sent: AgentAuthRevokedEvent[] = [];
  const producer: EventProducer = {
    async send(message, options) {
      const result = await target.send(message, options);
      sent.push(agentAuthRevokedEventSchema.parse(message));
      return result;
    },
  };
  return { producer, sent };
}

/** A producer whose `send` throws, as a queue outage would. */
export function createFailingProducer(message = "queue unavailable"): EventProducer & { calls: number } {
  return {
    calls: 0,
    async send() {
      this.calls++;
      throw new Error(message);
    },
  };
}

export interface OutboxRowView {
  id: string;
  payload: string;
  attempts: number;
  next_attempt_at: number;
  lease_id: string | null;
  lease_until: number | null;
  sent_at: number | null;
  last_error: string | null;
}

export async function readOutbox(db: D1Database): Promise<OutboxRowView[]> {
  const { results } = await db.prepare("SELECT * FROM event_outbox ORDER BY id").all<OutboxRowView>();
  return results;
}
