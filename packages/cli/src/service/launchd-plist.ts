import { join } from "node:path";
import type { ServiceSpec } from "./service-spec";

const escapeXml = (value: string) =>
  value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** `~/Library/LaunchAgents`: where a user's own launchd agents live. */
export function toLaunchAgentsDir(homeDir: string): string {
  return join(homeDir, "Library", "LaunchAgents");
}

/**
 * A launchd agent for the connector: started at login, started again after a failed exit (a
 * crash, `kill -9`) but not after a clean stop, at most every 5 s; output in the agent's folder.
 */
export function toLaunchdPlist(spec: ServiceSpec): string {
  const string = (value: string) => `<string>${escapeXml(value)}</string>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    "<!-- Written by `clawdentity connector service install`; `clawdentity connector service uninstall` removes it. -->",
    '<plist version="1.0">',
    "<dict>",
    `  <key>Label</key>${string(spec.name)}`,
    "  <key>ProgramArguments</key>",
    "  <array>",
    ...spec.argv.map((arg) => `    ${string(arg)}`),
    "  </array>",
    "  <key>RunAtLoad</key><true/>",
    "  <key>KeepAlive</key>",
    "  <dict><key>SuccessfulExit</key><false/></dict>",
    "  <key>ThrottleInterval</key><integer>5</integer>",
    "  <key>ExitTimeOut</key><integer>30</integer>",
    "  <key>ProcessType</key><string>Background</string>",
    `  <key>StandardOutPath</key>${string(spec.logPath)}`,
    `  <key>StandardErrorPath</key>${string(spec.logPath)}`,
    "</dict>",
    "</plist>",
    "",
  ].join("\n");
}
