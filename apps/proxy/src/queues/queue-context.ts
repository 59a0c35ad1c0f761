import type { Clock } from "@clawdentity/sdk";
import type { RegistryClient } from "../auth";
import type { ProxyConfig } from "../config";
import type { MetricsBuffer } from "../metrics";
import type { AgentRelaySession } from "../session";

/** What every consumer gets from the Worker entry. */
export interface QueueContext {
  env: Env;
  config: ProxyConfig;
  clock: Clock;
  metrics: MetricsBuffer;
  /** Resolves a sender's home proxy for a receipt this proxy cannot route itself (PROTOCOL.md §11.6). */
  registry: RegistryClient;
  waitUntil: (promise: Promise<unknown>) => void;
  /** The relay session of an agent; tests swap it to inject a transient failure. */
  session: (agentDid: string) => DurableObjectStub<AgentRelaySession>;
  random?: () => number;
}
