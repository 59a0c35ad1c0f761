import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CliError } from "../cli-error";
import { toLaunchAgentsDir, toLaunchdPlist } from "./launchd-plist";
import type { ServiceSpec } from "./service-spec";
import { toSystemdUnit, toSystemdUnitDir } from "./systemd-unit";

export interface CommandOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a service manager's own command (`systemctl`, `launchctl`). */
export type RunCommand = (command: string, args: readonly string[]) => Promise<CommandOutput>;

export type ServiceManagerKind = "systemd" | "launchd";

/** What the service manager says about the connector's service. */
export interface ServiceState {
  manager: ServiceManagerKind;
  name: string;
  /** The unit file or property list. */
  path: string;
  installed: boolean;
  /** Running now. */
  active: boolean;
  /** The manager's own words: `active (running)`, `failed`, `running`, `not loaded`, … */
  state: string;
  pid?: number;
  /** systemd: enabled to start at login. */
  enabled?: boolean;
  /** systemd: restarts after failures so far. */
  restarts?: number;
  /** launchd: exit code of the last run. */
  lastExitCode?: number;
}

export interface ServiceManager {
  kind: ServiceManagerKind;
  path: string;
  /** The file `install` writes. */
  contents: string;
  /** Manual commands for the logs and the service, for people. */
  hints: string[];
  install(): Promise<void>;
  uninstall(): Promise<{ removed: boolean }>;
  status(): Promise<ServiceState>;
}

export interface ServiceManagerInput {
  platform: NodeJS.Platform;
  spec: ServiceSpec;
  /** The user's home folder (units and agents live below it). */
  homeDir: string;
  env: Record<string, string | undefined>;
  uid: number;
  run: RunCommand;
}

function failed(what: string, output: CommandOutput): CliError {
  const detail = (output.stderr || output.stdout).trim().split("\n").slice(-3).join(" ");
  return new CliError({ code: "CLI_SERVICE_FAILED", message: `${what} failed (exit ${output.code}): ${detail}` });
}

function writeServiceFile(path: string, contents: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, contents, { mode: 0o644 });
}

/** `Key=value` lines of `systemctl show`. */
function parseProperties(text: string): Map<string, string> {
  return new Map(
    text
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

function createSystemdManager({ spec, homeDir, env, run }: ServiceManagerInput): ServiceManager {
  const unit = `${spec.name}.service`;
  const path = join(toSystemdUnitDir(env, homeDir), unit);
  const systemctl = (...args: string[]) => run("systemctl", ["--user", ...args]);
  const requireSystemctl = async () => {
    const probe = await systemctl("show-environment").catch((error: Error) => ({
      code: 127,
      stdout: "",
      stderr: error.message,
    }));
    if (probe.code !== 0) {
      throw new CliError({
        code: "CLI_SERVICE_UNAVAILABLE",
        message: `systemctl --user does not answer here (no systemd user session?): ${probe.stderr.trim()}`,
      });
    }
  };
  return {
    kind: "systemd",
    path,
    contents: toSystemdUnit(spec),
    hints: [
      `journalctl --user -u ${unit} -f      # its log`,
      `systemctl --user restart ${unit}`,
      `loginctl enable-linger "$USER"        # keep it running after you log out`,
    ],
    async install() {
      await requireSystemctl();
      writeServiceFile(path, this.contents);
      const reload = await systemctl("daemon-reload");
      if (reload.code !== 0) throw failed("systemctl --user daemon-reload", reload);
      const enable = await systemctl("enable", unit);
      if (enable.code !== 0) throw failed(`systemctl --user enable ${unit}`, enable);
      // restart, not start: a reinstall replaces a running connector with the new unit's.
      const restart = await systemctl("restart", unit);
      if (restart.code !== 0) throw failed(`systemctl --user restart ${unit}`, restart);
    },
    async uninstall() {
      if (!existsSync(path)) return { removed: false };
      await requireSystemctl();
      // Not loaded or already stopped is fine: the aim is that it no longer runs.
      await systemctl("disable", "--now", unit);
      rmSync(path, { force: true });
      const reload = await systemctl("daemon-reload");
      if (reload.code !== 0) throw failed("systemctl --user daemon-reload", reload);
      return { removed: true };
    },
    async status() {
      const installed = existsSync(path);
      const shown = await systemctl(
        "show",
        unit,
        "--property=LoadState,ActiveState,SubState,MainPID,UnitFileState,NRestarts",
      ).catch((error: Error) => ({ code: 127, stdout: "", stderr: error.message }));
      if (shown.code !== 0) {
        return {
          manager: "systemd",
          name: unit,
          path,
          installed,
          active: false,
          state: "unknown (systemctl --user unavailable)",
        };
      }
      const properties = parseProperties(shown.stdout);
      const active = properties.get("ActiveState") ?? "unknown";
      const sub = properties.get("SubState");
      const pid = Number(properties.get("MainPID") ?? 0);
      const restarts = Number(properties.get("NRestarts") ?? Number.NaN);
      return {
        manager: "systemd",
        name: unit,
        path,
        installed,
        active: active === "active",
        state: properties.get("LoadState") === "not-found" ? "not installed" : `${active}${sub ? ` (${sub})` : ""}`,
        ...(pid > 0 ? { pid } : {}),
        enabled: properties.get("UnitFileState") === "enabled",
        ...(Number.isFinite(restarts) ? { restarts } : {}),
      };
    },
  };
}

/** `key = value` lines of `launchctl print`, top level only. */
function parseLaunchdPrint(text: string): Map<string, string> {
  const entries = text
    .split("\n")
    .filter((line) => /^\t[a-z][a-z ]* = /.test(line))
    .map((line) => line.trim().split(" = ") as [string, string]);
  return new Map(entries);
}

function createLaunchdManager({ spec, homeDir, uid, run }: ServiceManagerInput): ServiceManager {
  const path = join(toLaunchAgentsDir(homeDir), `${spec.name}.plist`);
  const domain = `gui/${uid}`;
  const target = `${domain}/${spec.name}`;
  return {
    kind: "launchd",
    path,
    contents: toLaunchdPlist(spec),
    hints: [`tail -f ${spec.logPath}      # its log`, `launchctl kickstart -k ${target}      # restart it`],
    async install() {
      writeServiceFile(path, this.contents);
      // A previous install may still be loaded; bootstrap refuses a loaded label.
      await run("launchctl", ["bootout", target]);
      await run("launchctl", ["enable", target]);
      const loaded = await run("launchctl", ["bootstrap", domain, path]);
      if (loaded.code !== 0) throw failed(`launchctl bootstrap ${domain} ${path}`, loaded);
    },
    async uninstall() {
      if (!existsSync(path)) return { removed: false };
      await run("launchctl", ["bootout", target]);
      rmSync(path, { force: true });
      return { removed: true };
    },
    async status() {
      const installed = existsSync(path);
      const printed = await run("launchctl", ["print", target]);
      if (printed.code !== 0) {
        return {
          manager: "launchd",
          name: spec.name,
          path,
          installed,
          active: false,
          state: installed ? "not loaded" : "not installed",
        };
      }
      const fields = parseLaunchdPrint(printed.stdout);
      const state = fields.get("state") ?? "unknown";
      const pid = Number(fields.get("pid") ?? 0);
      const lastExit = Number(fields.get("last exit code") ?? Number.NaN);
      return {
        manager: "launchd",
        name: spec.name,
        path,
        installed,
        active: state === "running",
        state,
        ...(pid > 0 ? { pid } : {}),
        ...(Number.isFinite(lastExit) ? { lastExitCode: lastExit } : {}),
      };
    },
  };
}

/** systemd (user units) on Linux, launchd (agents) on macOS; elsewhere CLI_SERVICE_UNSUPPORTED. */
export function createServiceManager(input: ServiceManagerInput): ServiceManager {
  if (input.platform === "linux") return createSystemdManager(input);
  if (input.platform === "darwin") return createLaunchdManager(input);
  throw new CliError({
    code: "CLI_SERVICE_UNSUPPORTED",
    message: `no service manager for ${input.platform}: run clawdentity connector start under your own supervisor`,
  });
}
