export { toLaunchAgentsDir, toLaunchdPlist } from "./launchd-plist";
export { createRunCommand } from "./run-command";
export {
  type CommandOutput,
  createServiceManager,
  type RunCommand,
  type ServiceManager,
  type ServiceManagerInput,
  type ServiceManagerKind,
  type ServiceState,
} from "./service-manager";
export { type ServiceSpec, toServiceSpec } from "./service-spec";
export { toSystemdUnit, toSystemdUnitDir, toSystemdWord } from "./systemd-unit";
