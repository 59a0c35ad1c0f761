import type { Clock } from "@clawdentity/sdk";
import type { RegistryConfig } from "./config";
import type { EventPublisher } from "./outbox";
import type { RegistrySigner } from "./signing";

/** What the domain operations need; built once per app by `createRegistryApp`. */
export interface RegistryContext {
  config: RegistryConfig;
  clock: Clock;
  db: D1Database;
  signer: RegistrySigner;
  publisher: EventPublisher;
}
