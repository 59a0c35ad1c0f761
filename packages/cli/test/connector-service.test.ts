import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createAgentHome, writeAgentRuntime } from "@clawdentity/connector";
import { generateEd25519KeyPair } from "@clawdentity/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { toLaunchdPlist, toServiceSpec, toSystemdUnit } from "../src/service";
import { type CliHarness, createCliHarness } from "./helpers/cli-harness";

const AGENT_DID = "did:cdi:127.0.0.1:agent:01J0000000000000000000000A";
const BIN = fileURLToPath(new URL("../bin/clawdentity.mjs", import.meta.url));
const SELF = [process.execPath, BIN];
const hasSystemdAnalyze = spawnSync("systemd-analyze", ["--version"]).status === 0;

let scratch: string;
let cli: CliHarness | undefined;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), "clawdentity-service-"));
});
afterEach(() => {
  cli?.dispose();
  cli = undefined;
  rmSync(scratch, { recursive: true, force: true });
});

/** A fake `systemctl`/`launchctl` on PATH: logs each call, answers `show`/`print` from a file. */
function installFakeCommand(name: string, answers: Record<string, string>): { log: () => string[]; answer: string } {
  const bin = join(scratch, "fake-bin");
  mkdirSync(bin, { recursive: true });
  const log = join(scratch, `${name}.log`);
  const answer = join(scratch, `${name}.answer`);
  const cases = Object.entries(answers)
    .map(([pattern, reply]) => `  *"${pattern}"*) ${reply} ;;`)
    .join("\n");
  writeFileSync(
    join(bin, name),
    `#!/bin/sh\necho "$*" >> "${log}"\ncase "$*" in\n${cases}\nesac\nexit 0\n`.replace(/ANSWER/g, answer),
  );
  chmodSync(join(bin, name), 0o755);
  return {
    log: () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []),
    answer,
  };
}

async function createHarness(platform: NodeJS.Platform) {
  cli = createCliHarness({
    env: {
      HOME: join(scratch, "user"),
      XDG_CONFIG_HOME: join(scratch, "user", ".config"),
      PATH: `${join(scratch, "fake-bin")}${delimiter}${process.env.PATH ?? ""}`,
    },
    io: { platform, selfCommand: () => SELF },
  });
  createAgentHome({
    home: cli.home,
    agentName: "alice",
    identity: { agentDid: AGENT_DID, ait: "not-a-real-ait", seed: (await generateEd25519KeyPair()).seed },
    proxyUrl: "http://127.0.0.1:9",
    deliveryWebhookUrl: "http://127.0.0.1:9/hook",
  });
  return cli;
}

describe("the service definitions", () => {
  const spec = toServiceSpec({
    agentName: "alice",
    home: "/home/a b/.claw 100%",
    defaultHome: "/home/a b/.clawdentity",
    selfCommand: ["/usr/bin/node", "/opt/clawdentity/bin/clawdentity.js"],
    agentDir: "/home/a b/.claw 100%/agents/alice",
  });

  it("name one service per home and agent, running connector start on the same home", () => {
    expect(spec.name).toMatch(/^clawdentity-connector-alice-[0-9a-f]{8}$/);
    const defaultSpec = toServiceSpec({
      ...spec,
      agentName: "alice",
      home: "/h/.clawdentity",
      defaultHome: "/h/.clawdentity",
      selfCommand: ["n", "s"],
      agentDir: "/h/.clawdentity/agents/alice",
    });
    expect(defaultSpec.name).toBe("clawdentity-connector-alice");
    expect(spec.argv).toEqual([
      "/usr/bin/node",
      "/opt/clawdentity/bin/clawdentity.js",
      "--home",
      "/home/a b/.claw 100%",
      "--agent",
      "alice",
      "connector",
      "start",
    ]);
  });

  it("a systemd user unit that restarts on failure, with every ExecStart word quoted", () => {
    const unit = toSystemdUnit(spec);
    expect(unit).toContain(
      'ExecStart="/usr/bin/node" "/opt/clawdentity/bin/clawdentity.js" "--home" "/home/a b/.claw 100%%" "--agent" "alice" "connector" "start"',
    );
    for (const line of ["Restart=on-failure", "RestartSec=5", "KillSignal=SIGTERM", "WantedBy=default.target"]) {
      expect(unit.split("\n")).toContain(line);
    }
  });

  it.skipIf(!hasSystemdAnalyze)("passes systemd-analyze verify without a warning", () => {
    const unitPath = join(scratch, "clawdentity-connector-alice.service");
    const home = join(scratch, "home with space");
    writeFileSync(
      unitPath,
      toSystemdUnit(
        toServiceSpec({
          agentName: "alice",
          home,
          defaultHome: home,
          selfCommand: SELF,
          agentDir: join(home, "agents", "alice"),
        }),
      ),
    );
    const runtimeDir = join(scratch, "runtime");
    mkdirSync(runtimeDir, { mode: 0o700 });
    const verified = spawnSync("systemd-analyze", ["--user", "verify", unitPath], {
      encoding: "utf8",
      env: { ...process.env, XDG_RUNTIME_DIR: runtimeDir },
    });
    expect(verified.stderr).toBe("");
    expect(verified.status).toBe(0);
  });

  it("a launchd agent kept alive after a failed exit, with escaped strings", () => {
    const plist = toLaunchdPlist({ ...spec, argv: [...spec.argv, "<&>"] });
    expect(plist).toContain(`<key>Label</key><string>${spec.name}</string>`);
    expect(plist).toContain("<string>/home/a b/.claw 100%</string>");
    expect(plist).toContain("<string>&lt;&amp;&gt;</string>");
    expect(plist).toContain("<dict><key>SuccessfulExit</key><false/></dict>");
    expect(plist).toContain("<key>RunAtLoad</key><true/>");
    expect(plist).toContain(`<key>StandardErrorPath</key><string>${spec.logPath}</string>`);
    const plutil = spawnSync("plutil", ["-lint", "-"], { input: plist, encoding: "utf8" });
    if (plutil.error === undefined) expect(plutil.status, plutil.stdout + plutil.stderr).toBe(0);
  });
});

describe("connector service on Linux (systemctl --user)", () => {
  it("install writes the unit, reloads, enables and restarts it; status reads it; uninstall removes it", async () => {
    const systemctl = installFakeCommand("systemctl", {
      "show-environment": "echo HOME=/x",
      "show ": "cat ANSWER 2>/dev/null || echo LoadState=not-found",
    });
    const harness = await createHarness("linux");
    const installed = await harness.run("--json", "connector", "service", "install", "--wait", "0");
    expect(installed.exitCode, installed.stderr).toBe(0);
    const unitPath = installed.json<{ path: string }>().path;
    expect(unitPath).toMatch(
      new RegExp(
        `^${join(scratch, "user", ".config", "systemd", "user")}/clawdentity-connector-alice-[0-9a-f]{8}\\.service$`,
      ),
    );
    const unit = readFileSync(unitPath, "utf8");
    expect(unit).toContain(
      `ExecStart="${process.execPath}" "${BIN}" "--home" "${harness.home}" "--agent" "alice" "connector" "start"`,
    );
    const name = unitPath.split("/").at(-1);
    expect(systemctl.log()).toEqual([
      `--user show ${name} --property=LoadState,ActiveState,SubState,MainPID,UnitFileState,NRestarts`,
      "--user show-environment",
      "--user daemon-reload",
      `--user enable ${name}`,
      `--user restart ${name}`,
      `--user show ${name} --property=LoadState,ActiveState,SubState,MainPID,UnitFileState,NRestarts`,
    ]);

    writeFileSync(
      systemctl.answer,
      "LoadState=loaded\nActiveState=active\nSubState=running\nMainPID=4242\nUnitFileState=enabled\nNRestarts=1\n",
    );
    const running = await harness.run("connector", "service", "status");
    expect(running.exitCode, running.stderr).toBe(0);
    expect(running.stdout).toContain(
      `service   ${name} (systemd user unit): active (running), pid 4242, enabled, 1 restarts`,
    );

    writeFileSync(
      systemctl.answer,
      "LoadState=loaded\nActiveState=failed\nSubState=failed\nMainPID=0\nUnitFileState=enabled\nNRestarts=5\n",
    );
    const failed = await harness.run("--json", "connector", "service", "status");
    expect(failed.exitCode).toBe(3);
    expect(failed.json()).toMatchObject({
      manager: "systemd",
      installed: true,
      active: false,
      state: "failed (failed)",
    });
    expect(failed.error()).toMatchObject({ code: "CLI_DOWN", message: "service failed (failed)" });

    const removed = await harness.run("--json", "connector", "service", "uninstall");
    expect(removed.json()).toMatchObject({ removed: true, path: unitPath });
    expect(existsSync(unitPath)).toBe(false);
    expect(systemctl.log().slice(-3)).toEqual([
      "--user show-environment",
      `--user disable --now ${name}`,
      "--user daemon-reload",
    ]);
    expect((await harness.run("--json", "connector", "service", "uninstall")).json()).toMatchObject({ removed: false });
  });

  it("refuses to install beside a connector started by hand", async () => {
    installFakeCommand("systemctl", { "show-environment": "echo HOME=/x", "show ": "echo LoadState=not-found" });
    const harness = await createHarness("linux");
    writeAgentRuntime(
      { home: harness.home, agentName: "alice" },
      {
        pid: process.pid,
        agentDid: AGENT_DID,
        localApiUrl: "http://127.0.0.1:1",
        startedAt: new Date().toISOString(),
      },
    );
    const refused = await harness.run("--json", "connector", "service", "install");
    expect(refused.error()).toMatchObject({ code: "CLI_CONNECTOR_ALREADY_RUNNING" });
  });

  it("--dry-run prints the unit and changes nothing", async () => {
    const harness = await createHarness("linux");
    const dry = await harness.run("connector", "service", "install", "--dry-run");
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^# .*\.service\n# Written by `clawdentity connector service install`/);
    expect(existsSync(join(scratch, "user", ".config", "systemd"))).toBe(false);
  });
});

describe("connector service on macOS (launchctl)", () => {
  it("install writes the agent and bootstraps it in the user's GUI domain; status and uninstall", async () => {
    const launchctl = installFakeCommand("launchctl", { "print ": "cat ANSWER 2>/dev/null || exit 113" });
    const harness = await createHarness("darwin");
    const installed = await harness.run("--json", "connector", "service", "install", "--wait", "0");
    expect(installed.exitCode, installed.stderr).toBe(0);
    const { path, name } = installed.json<{ path: string; name: string }>();
    expect(path).toBe(join(scratch, "user", "Library", "LaunchAgents", `${name}.plist`));
    expect(readFileSync(path, "utf8")).toContain(`<string>${harness.home}</string>`);
    const target = `gui/${userInfo().uid}/${name}`;
    expect(launchctl.log()).toEqual([
      `print ${target}`,
      `bootout ${target}`,
      `enable ${target}`,
      `bootstrap gui/${userInfo().uid} ${path}`,
      `print ${target}`,
    ]);

    writeFileSync(
      launchctl.answer,
      `${target} = {\n\tactive count = 1\n\tstate = running\n\tpid = 77\n\tlast exit code = 0\n}\n`,
    );
    const status = await harness.run("--json", "connector", "service", "status");
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.json()).toMatchObject({
      manager: "launchd",
      installed: true,
      active: true,
      state: "running",
      pid: 77,
      lastExitCode: 0,
    });

    expect((await harness.run("--json", "connector", "service", "uninstall")).json()).toMatchObject({ removed: true });
    expect(existsSync(path)).toBe(false);
    expect(launchctl.log().at(-1)).toBe(`bootout ${target}`);
  });
});

describe("elsewhere", () => {
  it("says there is no service manager to use", async () => {
    const harness = await createHarness("win32");
    const refused = await harness.run("--json", "connector", "service", "status");
    expect(refused.error()).toMatchObject({ code: "CLI_SERVICE_UNSUPPORTED" });
  });
});
