import { homedir, userInfo } from "node:os";
import { join, resolve } from "node:path";
import { readAgentRuntime } from "@clawdentity/connector";
import type { Command } from "commander";
import { CliError, EXIT_DOWN } from "../cli-error";
import type { CliIo } from "../cli-io";
import { createProgress } from "../output";
import {
  createRunCommand,
  createServiceManager,
  type ServiceManager,
  type ServiceState,
  toServiceSpec,
} from "../service";
import { type CommandContext, type RunState, toAction } from "./command-context";
import { parseWaitSeconds } from "./option-parsers";
import { sleep } from "./sleep";

const MANAGER_NAMES = { systemd: "systemd user unit", launchd: "launchd agent" } as const;

/** The agent's service, as the platform's service manager runs it (the same home, database and lock). */
function resolveService(context: CommandContext) {
  const agent = context.agent();
  const homeDir = context.io.env.HOME?.trim() || homedir();
  const home = resolve(context.home);
  const spec = toServiceSpec({
    agentName: agent.name,
    home,
    defaultHome: join(homeDir, ".clawdentity"),
    selfCommand: context.io.selfCommand(),
    agentDir: resolve(agent.dir),
  });
  const manager = createServiceManager({
    platform: context.io.platform,
    spec,
    homeDir,
    env: context.io.env,
    uid: userInfo().uid,
    run: createRunCommand(context.io.env),
  });
  return { agent, spec, manager };
}

function toConnectorView(runtime: ReturnType<typeof readAgentRuntime>) {
  return runtime ? { running: true, pid: runtime.pid, localApiUrl: runtime.localApiUrl } : { running: false };
}

function toStateLine(state: ServiceState): string {
  const details = [
    state.pid ? `pid ${state.pid}` : undefined,
    state.enabled === undefined ? undefined : state.enabled ? "enabled" : "not enabled",
    state.restarts === undefined ? undefined : `${state.restarts} restarts`,
    state.lastExitCode === undefined ? undefined : `last exit ${state.lastExitCode}`,
  ].filter(Boolean);
  return `service   ${state.name} (${MANAGER_NAMES[state.manager]}): ${state.state}${details.length ? `, ${details.join(", ")}` : ""}`;
}

/** Until the service's connector wrote its runtime.json (it listens), or `seconds` passed. */
async function waitForConnector(context: CommandContext, manager: ServiceManager, seconds: number) {
  const agent = context.agent();
  const deadline = Date.now() + seconds * 1000;
  const progress = createProgress(context.io, context.json);
  try {
    for (;;) {
      const runtime = readAgentRuntime(agent.ref);
      if (runtime) return runtime;
      if (Date.now() >= deadline) {
        throw new CliError({
          code: "CLI_WAIT_TIMEOUT",
          message: `the service did not start the connector of ${agent.name} within ${seconds} s; see ${manager.hints[0]?.split("  ")[0]}`,
        });
      }
      progress.update(`waiting for the connector of ${agent.name} to start`);
      await sleep(context.io.pollIntervalMs);
    }
  } finally {
    progress.done();
  }
}

/** `connector service install|uninstall|status`: the connector under systemd (Linux) or launchd (macOS). */
export function registerConnectorServiceCommand(connector: Command, io: CliIo, state: RunState): void {
  const service = connector
    .command("service")
    .description("keep the agent's connector running: a systemd user unit (Linux) or a launchd agent (macOS)");

  service
    .command("install")
    .description("write the unit or agent, enable it at login and start it (restarted after any failure)")
    .option("--wait <seconds>", "wait until the connector runs (0: do not wait)", parseWaitSeconds, 15)
    .option("--dry-run", "print the file and where it goes; change nothing")
    .action(
      toAction<{ wait: number; dryRun?: boolean }>(io, state, async (context, { opts }) => {
        const { agent, manager } = resolveService(context);
        if (opts.dryRun) {
          return {
            json: { manager: manager.kind, path: manager.path, contents: manager.contents },
            text: [`# ${manager.path}`, manager.contents.trimEnd()],
          };
        }
        const running = readAgentRuntime(agent.ref);
        const before = await manager.status();
        if (running && running.pid !== before.pid) {
          throw new CliError({
            code: "CLI_CONNECTOR_ALREADY_RUNNING",
            message: `the connector of ${agent.name} already runs outside the service (pid ${running.pid}); stop it first`,
          });
        }
        await manager.install();
        const connectorRuntime =
          opts.wait > 0 ? await waitForConnector(context, manager, opts.wait) : readAgentRuntime(agent.ref);
        const after = await manager.status();
        return {
          json: { ...after, connector: toConnectorView(connectorRuntime) },
          text: [
            `installed ${after.name} (${MANAGER_NAMES[after.manager]}) at ${after.path}`,
            toStateLine(after),
            connectorRuntime
              ? `connector running (pid ${connectorRuntime.pid}) at ${connectorRuntime.localApiUrl}`
              : "connector not running yet",
            ...manager.hints,
          ],
        };
      }),
    );

  service
    .command("uninstall")
    .description("stop the service and remove its unit or agent (the agent's home stays)")
    .action(
      toAction(io, state, async (context) => {
        const { manager, spec } = resolveService(context);
        const { removed } = await manager.uninstall();
        return {
          json: { manager: manager.kind, name: spec.name, path: manager.path, removed },
          text: removed ? `stopped and removed ${manager.path}` : `no service installed at ${manager.path}`,
        };
      }),
    );

  service
    .command("status")
    .description("the service manager's view of the connector's service (exit 3 unless installed and running)")
    .action(
      toAction(io, state, async (context) => {
        const { agent, manager } = resolveService(context);
        const current = await manager.status();
        const runtime = readAgentRuntime(agent.ref);
        const down = !current.installed
          ? "service not installed"
          : !current.active
            ? `service ${current.state}`
            : undefined;
        return {
          json: { ...current, connector: toConnectorView(runtime) },
          text: [
            toStateLine(current),
            `file      ${current.path}${current.installed ? "" : " (absent)"}`,
            runtime ? `connector running (pid ${runtime.pid}) at ${runtime.localApiUrl}` : "connector not running",
          ],
          ...(down ? { failure: new CliError({ code: "CLI_DOWN", message: down, exitCode: EXIT_DOWN }) } : {}),
        };
      }),
    );
}
