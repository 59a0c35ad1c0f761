import { computeBackoffMs, NOTICE_CODES } from "@clawdentity/protocol";
import { generateEd25519KeyPair } from "@clawdentity/sdk";
import type { AgentIdentity } from "../config";
import type { ConnectorContext } from "../context";
import type { HttpTransport } from "../http";
import { toErrorMessage } from "../logger";
import { createWorkerLoop, type WorkerLoop } from "../runtime";
import { toRenewAt } from "./credentials";
import type { IdentityKeeper } from "./identity-keeper";
import { type RenewalAnswer, requestRenewal } from "./renewal-client";

export interface RenewalState {
  enabled: boolean;
  renewing: boolean;
  nextAttemptAt: number | null;
  lastAttemptAt: number | null;
  lastRenewedAt: number | null;
  consecutiveFailures: number;
  lastError: string | null;
  lastErrorCode: string | null;
}

export interface RenewalWorker extends WorkerLoop {
  state(): RenewalState;
  /**
   * Renews now, whatever the schedule (after a renewal already under way); resolves with the
   * outcome: `renewed`, or the failure as recorded in the state.
   */
  renewNow(options: { rotateKey?: boolean }): Promise<{ renewed: boolean; state: RenewalState }>;
}

export interface RenewalWorkerDeps extends ConnectorContext {
  keeper: IdentityKeeper;
  /** Absent: the connector cannot renew by itself (only the owner can, with `agent reissue`). */
  registryUrl: string | undefined;
  http: HttpTransport;
  /** Makes a renewed identity durable before it is used; throws when it cannot. */
  persist(identity: AgentIdentity): void;
  notify(input: { code: string; message: string; errorCode?: string | null; retryAt?: number | null }): void;
}

type Failure = Exclude<RenewalAnswer, { kind: "renewed" } | { kind: "aborted" }>;

/**
 * Renews the agent's AIT at the registry once `renewAtFraction` of its lifetime has passed, and
 * takes the new one up without a restart: written atomically first, then every later call signs
 * with it (the relay socket is replaced by the keeper's listeners). A failure is retried with
 * backoff (slowly when the registry refused by policy), never past the AIT's expiry, and told to
 * the runtime once per kind of failure.
 */
export function createRenewalWorker(deps: RenewalWorkerDeps): RenewalWorker {
  const { keeper, clock, tuning, logger, metrics } = deps;
  const enabled = deps.registryUrl !== undefined && tuning.renewAtFraction > 0;
  const state: RenewalState = {
    enabled,
    renewing: false,
    nextAttemptAt: null,
    lastAttemptAt: null,
    lastRenewedAt: null,
    consecutiveFailures: 0,
    lastError: null,
    lastErrorCode: null,
  };
  let notifiedFailure: string | null = null;

  const expiresAt = () => keeper.current().claims.exp * 1000;
  const dueAt = () => state.nextAttemptAt ?? toRenewAt(keeper.current().claims, tuning.renewAtFraction);

  const recordFailure = (answer: Failure) => {
    const now = clock.nowMs();
    state.consecutiveFailures += 1;
    state.lastError = answer.error;
    state.lastErrorCode = answer.code;
    metrics.identityRenewals.inc({ outcome: answer.kind });
    if (answer.kind === "identity_refused") {
      // The keeper halted the identity: nothing to retry until a new one is written.
      state.nextAttemptAt = null;
      return;
    }
    const base = tuning.renewalRetryBaseMs;
    const backoff =
      answer.kind === "refused"
        ? tuning.renewalRetryMaxMs
        : Math.max(
            answer.retryAfterMs ?? 0,
            computeBackoffMs(state.consecutiveFailures, {
              baseMs: base,
              maxMs: tuning.renewalRetryMaxMs,
              jitterRatio: tuning.retryJitterRatio,
              random: deps.random,
            }),
          );
    // The last tries come before the AIT expires, while it can still renew.
    state.nextAttemptAt = Math.min(now + backoff, Math.max(now + base, expiresAt() - base));
    logger.warn("identity renewal failed", { error: answer.error, code: answer.code, retryAt: state.nextAttemptAt });
    const kind = answer.code ?? answer.kind;
    if (notifiedFailure === kind) return;
    notifiedFailure = kind;
    deps.notify({
      code: NOTICE_CODES.renewalFailed,
      message: `renewing the agent's AIT failed (${answer.error}); retrying`,
      errorCode: answer.code,
      retryAt: state.nextAttemptAt,
    });
  };

  const renewed = async (identity: AgentIdentity) => {
    try {
      deps.persist(identity);
    } catch (error) {
      // The registry revoked the old AIT already: the new one is used in any case.
      logger.error("renewed identity not written; a restart would use the revoked one", {
        error: toErrorMessage(error),
      });
    }
    await keeper.adopt(identity);
    state.lastRenewedAt = clock.nowMs();
    metrics.identityRenewals.inc({ outcome: "renewed" });
    const { claims } = keeper.current();
    logger.info("identity renewed", { jti: claims.jti, expiresAt: new Date(claims.exp * 1000).toISOString() });
  };

  /** A seed for the rotation, written down before the registry is asked: its answer may be lost. */
  const prepareRotation = async (rotate: boolean): Promise<string | undefined> => {
    const { identity } = keeper.current();
    if (identity.nextSeed || !rotate) return identity.nextSeed;
    const { seed } = await generateEd25519KeyPair();
    deps.persist({ ...identity, nextSeed: seed });
    await keeper.adopt({ ...identity, nextSeed: seed });
    return seed;
  };

  /** Asks the registry and, when it renewed, takes the new identity up; refusals of the old AIT meanwhile wait. */
  const attempt = async (signal: AbortSignal, rotate: boolean) => {
    const nextSeed = await prepareRotation(rotate);
    const credentials = keeper.current();
    const answer = await requestRenewal({
      registryUrl: deps.registryUrl as string,
      credentials,
      ...(nextSeed ? { nextSeed } : {}),
      http: deps.http,
      timeoutMs: tuning.relayRequestTimeoutMs,
      nowMs: clock.nowMs(),
      signal,
    });
    if (answer.kind === "renewed") await renewed(answer.identity);
    return { answer, jti: credentials.claims.jti };
  };

  let running: Promise<void> | null = null;
  const manual = new AbortController();

  const renew = (signal: AbortSignal, rotate = tuning.renewalRotatesKey) => {
    running = runRenewal(signal, rotate).finally(() => {
      running = null;
    });
    return running;
  };

  const runRenewal = async (signal: AbortSignal, rotate: boolean) => {
    state.renewing = true;
    state.lastAttemptAt = clock.nowMs();
    try {
      const { answer, jti } = await keeper.track(attempt(signal, rotate));
      if (answer.kind === "renewed" || answer.kind === "aborted") return;
      if (answer.kind === "identity_refused") {
        // A newer identity may already be on disk (the owner reissued): then there is nothing to record.
        if ((await keeper.judgeRefusal({ jti, code: answer.code, error: answer.error })) === "retry") return;
      }
      recordFailure(answer);
    } finally {
      state.renewing = false;
    }
  };

  const loop = createWorkerLoop({
    name: "identity renewal",
    clock,
    concurrency: 1,
    maxIdleMs: tuning.maxIdleMs,
    claim() {
      if (!enabled || state.renewing || keeper.halted() || clock.nowMs() < dueAt()) return [];
      return [(signal) => renew(signal)];
    },
    nextWakeAt: () => (enabled && !keeper.halted() ? dueAt() : null),
    onError: (error) => logger.error("identity renewal error", { error: toErrorMessage(error) }),
  });

  keeper.onChange(() => {
    // A new identity (renewed, or the owner's reissue): its own lifetime decides the next renewal.
    Object.assign(state, { nextAttemptAt: null, consecutiveFailures: 0, lastError: null, lastErrorCode: null });
    notifiedFailure = null;
    loop.wake();
  });

  const snapshot = () => ({ ...state, nextAttemptAt: enabled && !keeper.halted() ? dueAt() : null });
  return {
    ...loop,
    state: snapshot,
    async renewNow({ rotateKey = tuning.renewalRotatesKey }) {
      while (running) await running;
      const before = keeper.currentJti();
      await renew(manual.signal, rotateKey);
      return { renewed: keeper.currentJti() !== before && state.lastError === null, state: snapshot() };
    },
    async stop() {
      manual.abort();
      await loop.stop();
    },
  };
}
