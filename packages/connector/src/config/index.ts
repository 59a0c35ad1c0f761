export {
  type AgentIdentity,
  agentIdentitySchema,
  type ConnectorConfig,
  ConnectorConfigError,
  type ConnectorConfigInput,
  type ConnectorTuning,
  connectorConfigSchema,
  connectorTuningSchema,
  localApiConfigSchema,
  parseConnectorConfig,
} from "./connector-config";
