export {
  type AgentConfigFile,
  type AgentConfigFileInput,
  type AgentHomeRef,
  agentConfigFileSchema,
  type CreateAgentHomeOptions,
  createAgentHome,
  createLocalApiToken,
  listAgentHomes,
  loadConnectorConfig,
  readAgentConfig,
  readAgentIdentity,
  readIdentityFile,
  writeAgentConfig,
  writeAgentIdentity,
  writeIdentityFile,
} from "./agent-home";
export { type AgentHomePaths, agentHomeNameSchema, resolveAgentHomePaths, resolveClawdentityHome } from "./paths";
export { acquireAgentLock, isProcessAlive } from "./process-lock";
export {
  type AgentRuntime,
  agentRuntimeSchema,
  readAgentRuntime,
  removeAgentRuntime,
  writeAgentRuntime,
} from "./runtime-file";
export { AgentHomeError, readSecretJson, writeFileAtomic } from "./secure-file";
export { toWebhookTarget, watchWebhookTarget } from "./webhook-target-watch";
