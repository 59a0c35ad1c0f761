export {
  type AgentIdentity,
  agentIdentitySchema,
  type ConnectorConfig,
  ConnectorConfigError,
  type ConnectorConfigInput,
  type ConnectorTuning,
  connectorConfigSchema,
  connectorTuningOverridesSchema,
  connectorTuningSchema,
  localApiConfigSchema,
  parseConnectorConfig,
} from "./connector-config";
