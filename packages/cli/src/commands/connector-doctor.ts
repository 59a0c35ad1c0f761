import type { Command } from "commander";
import { CliError, EXIT_DOWN } from "../cli-error";
import type { CliIo } from "../cli-io";
import { type DoctorCheck, runDoctor } from "../doctor";
import { createStyle, type Style } from "../output";
import { type RunState, toAction } from "./command-context";
import { toIntegerParser } from "./option-parsers";

const LABELS: Record<DoctorCheck["name"], string> = {
  identity: "identity",
  proxy: "proxy",
  proxy_auth: "proxy auth",
  connector: "connector",
  relay_socket: "relay socket",
  webhook: "webhook",
  signing: "signing",
  deliveries: "deliveries",
};

function toLines(checks: DoctorCheck[], style: Style): string[] {
  const mark = { ok: style.ok("✓"), warn: style.warn("!"), fail: style.error("✗"), skipped: style.dim("-") };
  return checks.flatMap((check) => [
    `${mark[check.status]} ${LABELS[check.name].padEnd(12)} ${check.detail}`,
    ...(check.fix && check.status !== "ok" ? [`  ${style.dim("fix:")} ${check.fix}`] : []),
  ]);
}

/** `connector doctor`: every link from this agent to its proxy and to its runtime, and what to fix. */
export function registerConnectorDoctorCommand(connectorCommand: Command, io: CliIo, state: RunState): void {
  connectorCommand
    .command("doctor")
    .description(
      "check identity, proxy and its auth, the relay socket, the runtime webhook (a signed ping) and deliveries; say what to fix (exit 3 on a failure)",
    )
    .option("--timeout <seconds>", "bound of each network check (default 10)", toIntegerParser(1, 120), 10)
    .action(
      toAction<{ timeout: number }>(io, state, async (context, { opts }) => {
        const agent = context.agent();
        const report = await runDoctor({ agent, fetch: io.fetch, timeoutMs: opts.timeout * 1000 });
        const failed = report.checks.filter((check) => check.status === "fail");
        const style = createStyle(io, "stdout");
        return {
          json: report,
          text: [
            `doctor ${report.agentName} (${report.agentDid})`,
            ...toLines(report.checks, style),
            failed.length === 0 ? style.ok("nothing to fix") : style.error(`${failed.length} problem(s) to fix`),
          ],
          ...(failed.length > 0
            ? {
                failure: new CliError({
                  code: "CLI_DOCTOR_FAILED",
                  message: `failed: ${failed.map((check) => LABELS[check.name]).join(", ")}`,
                  exitCode: EXIT_DOWN,
                }),
              }
            : {}),
        };
      }),
    );
}
