import type { Clock } from "@clawdentity/sdk";
import type { ConnectorTuning } from "./config";
import type { Logger } from "./logger";
import type { ConnectorMetrics } from "./metrics";
import type { ConnectorStorage } from "./storage";

/** What every worker and frame handler of one connector shares. */
export interface ConnectorContext {
  storage: ConnectorStorage;
  clock: Clock;
  random: () => number;
  tuning: ConnectorTuning;
  metrics: ConnectorMetrics;
  logger: Logger;
}
