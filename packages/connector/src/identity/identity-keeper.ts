import { isTokenRevocationReason } from "@clawdentity/protocol";
import type { AgentIdentity } from "../config";
import { type Credentials, IdentityError, toCredentials } from "./credentials";

/** Why every call to the proxy waits: the AIT expired, or it (or the whole agent) was revoked. */
export type IdentityHalt = "expired" | "revoked";

/** A refusal that names the identity itself, from the proxy or the registry. */
export interface IdentityRefusal {
  /** The `jti` of the AIT the refused call was signed with. */
  jti: string;
  /** `PROXY_AUTH_AIT_EXPIRED`, `PROXY_AUTH_AGENT_REVOKED`, or the registry's `REGISTRY_AUTH_*` twin. */
  code: string;
  error: string;
  /**
   * Why the AIT was revoked, when the refusal says (`details.reason`): `reissued` or `renewed` means
   * a newer AIT replaced it (worth waiting for on disk), `agent_revoked` that the agent is gone.
   */
  reason?: string | null;
}

export interface HaltRecord {
  halt: IdentityHalt;
  code: string;
  error: string;
  /** The AIT that was refused. */
  jti: string;
}

/** What the workers that call the proxy need to know about the identity they sign with. */
export interface IdentityGate {
  currentJti(): string;
  /** Non-null while calls to the proxy must wait for a new identity. */
  halted(): IdentityHalt | null;
  /**
   * A call signed with `refusal.jti` was refused for its identity. `retry` when the identity has
   * changed since (a renewal, an owner's reissue found on disk): send it again at once. `halted`
   * otherwise: the connector stops calling the proxy until a new identity is adopted.
   */
  judgeRefusal(refusal: IdentityRefusal): Promise<"retry" | "halted">;
}

export interface IdentityKeeper extends IdentityGate {
  current(): Credentials;
  haltRecord(): HaltRecord | null;
  /** Takes `identity` up (same agent only); true when it differs from the current one. */
  adopt(identity: AgentIdentity): Promise<boolean>;
  /** Re-reads the identity's file, if it has one, and takes up what changed; true when it did. */
  reload(): Promise<boolean>;
  /** While `work` runs (a renewal), refusals of the current AIT wait for its outcome before they are judged. */
  track<T>(work: Promise<T>): Promise<T>;
  onChange(listener: (credentials: Credentials) => void): void;
}

export interface IdentityKeeperOptions {
  initial: Credentials;
  /** The identity file as it is now, or null when the connector has none. */
  readFile: (() => AgentIdentity) | null;
  /**
   * How long a revoked AIT waits for a new identity on disk before it halts: an owner's reissue
   * revokes the old AIT at the proxy moments before the CLI writes the new one.
   */
  revocationGraceMs: number;
  onHalt(record: HaltRecord): void;
  onError(message: string, error: unknown): void;
}

const EXPIRED_CODES = new Set(["PROXY_AUTH_AIT_EXPIRED", "REGISTRY_AUTH_AIT_EXPIRED"]);
const GRACE_POLL_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The one current identity of a running connector. Every signed call reads it at signing time, so
 * a renewal or an owner's reissue takes effect on the next call; a call refused because its AIT
 * expired or was revoked is judged here once, so a whole queue never keeps hammering the proxy.
 */
export function createIdentityKeeper(options: IdentityKeeperOptions): IdentityKeeper {
  let current = options.initial;
  let halt: HaltRecord | null = null;
  let inFlight: Promise<unknown> | null = null;
  /** One judgement per refused AIT: every call refused with it waits for the same verdict. */
  const judging = new Map<string, Promise<"retry" | "halted">>();
  const listeners: Array<(credentials: Credentials) => void> = [];

  const adopt = async (identity: AgentIdentity): Promise<boolean> => {
    if (identity.ait === current.identity.ait && identity.seed === current.identity.seed) {
      current = { ...current, identity };
      return false;
    }
    if (identity.agentDid !== current.identity.agentDid) {
      throw new IdentityError(
        `the identity is for ${identity.agentDid}; this connector runs ${current.identity.agentDid}`,
      );
    }
    current = await toCredentials(identity);
    halt = null;
    for (const listener of listeners) listener(current);
    return true;
  };

  const reload = async (): Promise<boolean> => {
    if (!options.readFile) return false;
    try {
      return await adopt(options.readFile());
    } catch (error) {
      options.onError("identity file not taken up", error);
      return false;
    }
  };

  const changedSince = (jti: string) => jti !== current.claims.jti;

  const judge = async (refusal: IdentityRefusal): Promise<"retry" | "halted"> => {
    if (inFlight) await inFlight.catch(() => undefined);
    if (changedSince(refusal.jti) || (await reload())) return "retry";
    const expired = EXPIRED_CODES.has(refusal.code);
    const replaced = !refusal.reason || isTokenRevocationReason(refusal.reason);
    if (!expired && replaced && options.readFile) {
      for (let waited = 0; waited < options.revocationGraceMs; waited += GRACE_POLL_MS) {
        await sleep(GRACE_POLL_MS);
        if (changedSince(refusal.jti) || (await reload())) return "retry";
      }
    }
    if (changedSince(refusal.jti)) return "retry";
    halt = { jti: refusal.jti, code: refusal.code, error: refusal.error, halt: expired ? "expired" : "revoked" };
    options.onHalt(halt);
    return "halted";
  };

  return {
    current: () => current,
    currentJti: () => current.claims.jti,
    halted: () => halt?.halt ?? null,
    haltRecord: () => halt,
    adopt,
    reload,
    async track(work) {
      inFlight = work;
      try {
        return await work;
      } finally {
        if (inFlight === work) inFlight = null;
      }
    },
    judgeRefusal(refusal) {
      if (refusal.jti !== current.claims.jti) return Promise.resolve("retry");
      if (halt?.jti === refusal.jti) return Promise.resolve("halted");
      const pending = judging.get(refusal.jti) ?? judge(refusal).finally(() => judging.delete(refusal.jti));
      judging.set(refusal.jti, pending);
      return pending;
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}
