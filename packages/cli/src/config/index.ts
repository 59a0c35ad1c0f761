export {
  CLI_CONFIG_FILE,
  type CliConfig,
  cliConfigSchema,
  DEFAULT_PROXY_URL,
  DEFAULT_REGISTRY_URL,
  readCliConfig,
  requireCliConfig,
  requireOwnerToken,
  saveOwnerSession,
  toCliConfigPath,
  updateCliConfig,
  writeCliConfig,
} from "./cli-config";
export { hasLocalAgent, type LocalAgent, parseAgentName, readLocalAgent, resolveAgentName } from "./resolve-agent";
