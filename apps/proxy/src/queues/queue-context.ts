import type { Clock } from "../clock";
import type { ProxyConfig } from "../config";
import type { MetricsBuffer } from "../metrics";
import type { AgentRelaySession } from "../session";

/** What every consumer gets from the Worker entry. */
export interface QueueContext {
  env: Env;
  config: ProxyConfig;
  clock: Clock;
  metrics: MetricsBuffer;
  waitUntil: (promise: Promise<unknown>) => void;
  /** The relay session of an agent; tests swap it to inject a transient failure. */
  session: (agentDid: string) => DurableObjectStub<AgentRelaySession>;
  random?: () => number;
}
