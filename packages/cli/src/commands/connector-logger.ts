import { createJsonLogger, type Logger, silentLogger } from "@clawdentity/connector";
import type { CliIo } from "../cli-io";
import { createStyle, type Style } from "../output";

export const LOG_FORMATS = ["text", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

type LogFields = Record<string, unknown>;

function toFieldText(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** `12:00:00.000 warn  webhook delivery failed messageId=01J… attempt=2`: one line per event, for people. */
export function createTextLogger(
  write: (line: string) => void,
  style: Style,
  options: { verbose?: boolean } = {},
): Logger {
  const paint = { debug: style.dim, info: style.ok, warn: style.warn, error: style.error };
  const log =
    (level: keyof typeof paint) =>
    (message: string, fields: LogFields = {}) => {
      const time = style.dim(new Date().toISOString().slice(11, 23));
      const details = Object.entries(fields)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => ` ${style.dim(`${key}=`)}${toFieldText(value)}`)
        .join("");
      write(`${time} ${paint[level](level.padEnd(5))} ${message}${details}\n`);
    };
  return {
    debug: options.verbose ? log("debug") : () => {},
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
  };
}

/**
 * The connector's log on stderr: readable lines on a terminal, JSON lines otherwise (a service
 * manager's journal, a test harness parsing them) unless `--log-format` says which; none with `--quiet`.
 * Each message's steps (queued, relayed, stored, delivered, receipt) only with `--verbose`.
 */
export function createConnectorLogger(
  io: CliIo,
  options: { quiet?: boolean; verbose?: boolean; logFormat?: LogFormat },
): Logger {
  if (options.quiet) return silentLogger;
  const format = options.logFormat ?? (io.tty.stderr ? "text" : "json");
  const write = (line: string) => io.stderr(line);
  const verbose = { verbose: options.verbose === true };
  return format === "json"
    ? createJsonLogger(write, verbose)
    : createTextLogger(write, createStyle(io, "stderr"), verbose);
}
