import { DurableObject } from "cloudflare:workers";

export interface RateLimitDecision {
  allowed: boolean;
  remaining: number;
  /** Seconds until the current window ends; what `Retry-After` carries on a refusal. */
  retryAfterSeconds: number;
}

export interface RateLimitHit {
  limit: number;
  windowMs: number;
  nowMs: number;
}

/**
 * One fixed-window counter per (bucket, client), shared by every isolate: all hits for a key go to
 * the same object. The caller passes the time so tests can control windows.
 */
export class RateLimiter extends DurableObject<Env> {
  private hasSchema = false;

  private ensureSchema(): void {
    if (this.hasSchema) return;
    this.ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY CHECK (id = 1), window_start INTEGER NOT NULL, hits INTEGER NOT NULL)",
    );
    this.hasSchema = true;
  }

  async hit(input: RateLimitHit): Promise<RateLimitDecision> {
    this.ensureSchema();
    const windowStart = Math.floor(input.nowMs / input.windowMs) * input.windowMs;
    const row = this.ctx.storage.sql
      .exec<{ hits: number }>(
        `INSERT INTO counter (id, window_start, hits) VALUES (1, ?1, 1)
         ON CONFLICT (id) DO UPDATE SET
           hits = CASE WHEN window_start = ?1 THEN hits + 1 ELSE 1 END,
           window_start = ?1
         RETURNING hits`,
        windowStart,
      )
      .one();
    // An idle key deletes itself, so one object per client does not accumulate storage.
    await this.ctx.storage.setAlarm(windowStart + 2 * input.windowMs);
    const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + input.windowMs - input.nowMs) / 1000));
    return { allowed: row.hits <= input.limit, remaining: Math.max(0, input.limit - row.hits), retryAfterSeconds };
  }

  override async alarm(): Promise<void> {
    // Drops the table too; the object may live on, so the next hit recreates it.
    await this.ctx.storage.deleteAll();
    this.hasSchema = false;
  }
}
