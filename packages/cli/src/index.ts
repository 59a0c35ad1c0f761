export { CLI_ERROR_CODES, CliError, type CliErrorCode, formatCliError, toErrorJson } from "./cli-error";
export { type CliIo, resolveCliIo } from "./cli-io";
export { type CliConfig, cliConfigSchema, readCliConfig, toCliConfigPath } from "./config";
export { type Cli, createCli } from "./create-cli";
export { toCliError } from "./to-cli-error";
export {
  formatTimeline,
  type MergedTrace,
  mergeTrace,
  type TraceEvent,
  type TraceStep,
  toConnectorEvents,
  toHopReferences,
  toProxyEvents,
} from "./trace";
