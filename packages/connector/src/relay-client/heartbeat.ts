import { createUlid } from "@clawdentity/sdk";

export interface Heartbeat {
  /** Round trip in ms for a `heartbeat_ack`, or undefined when the id is not ours. */
  acknowledge(ackId: string): number | undefined;
  stop(): void;
}

export interface HeartbeatOptions {
  intervalMs: number;
  deadAfterMs: number;
  /** `performance.now()` of the last frame received: liveness is real elapsed time, not the injected clock. */
  lastFrameAt(): number;
  sendHeartbeat(id: string): void;
  onDead(): void;
}

/** Sends `heartbeat` every interval and declares the socket dead when nothing arrived for `deadAfterMs`. */
export function createHeartbeat(options: HeartbeatOptions): Heartbeat {
  const pending = new Map<string, number>();
  const tickMs = Math.max(10, Math.min(options.intervalMs, Math.floor(options.deadAfterMs / 2)));
  let lastSentAt = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - options.lastFrameAt() > options.deadAfterMs) {
      clearInterval(timer);
      options.onDead();
      return;
    }
    if (now - lastSentAt < options.intervalMs) return;
    lastSentAt = now;
    const id = createUlid();
    pending.set(id, now);
    if (pending.size > 16) pending.delete(pending.keys().next().value as string);
    options.sendHeartbeat(id);
  }, tickMs);
  timer.unref();
  return {
    acknowledge(ackId) {
      const sentAt = pending.get(ackId);
      if (sentAt === undefined) return undefined;
      pending.delete(ackId);
      return Math.round((performance.now() - sentAt) * 100) / 100;
    },
    stop: () => clearInterval(timer),
  };
}
