import { join } from "node:path";
import type { ServiceSpec } from "./service-spec";

/** One ExecStart word, double-quoted: `\` and `"` escaped, `%` (specifiers) and `$` (variables) doubled. */
export function toSystemdWord(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%").replace(/\$/g, "$$$$")}"`;
}

/** `$XDG_CONFIG_HOME/systemd/user` (default `~/.config/systemd/user`): where a user's own units live. */
export function toSystemdUnitDir(env: Record<string, string | undefined>, homeDir: string): string {
  return join(env.XDG_CONFIG_HOME?.trim() || join(homeDir, ".config"), "systemd", "user");
}

/**
 * A systemd user unit for the connector: started at login (or boot, with lingering), restarted 5 s
 * after any failure (a crash, `kill -9`), stopped with SIGTERM (a clean stop that exits 0).
 */
export function toSystemdUnit(spec: ServiceSpec): string {
  return [
    "# Written by `clawdentity connector service install`; `clawdentity connector service uninstall` removes it.",
    "[Unit]",
    `Description=Clawdentity connector of agent ${spec.agentName} (${spec.home})`,
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${spec.argv.map(toSystemdWord).join(" ")}`,
    "Restart=on-failure",
    "RestartSec=5",
    "KillSignal=SIGTERM",
    "TimeoutStopSec=30",
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ].join("\n");
}
