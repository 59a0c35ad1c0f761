import { type CliError, formatCliError, toErrorJson } from "../cli-error";
import type { CliIo } from "../cli-io";
import { createStyle } from "./style";

/** What a command prints: `json` under `--json` (mirroring the API answer), `text` otherwise. */
export interface CommandResult {
  json: unknown;
  text: string | readonly string[];
  /** Printed after the result: the command did its work but the outcome is a failure (e.g. dead letter). */
  failure?: CliError;
  /** Print the JSON on one line (the last line of a stream such as `connector start --json`). */
  compact?: boolean;
}

export function writeResult(io: CliIo, asJson: boolean, result: CommandResult): void {
  if (asJson) {
    io.stdout(`${result.compact ? JSON.stringify(result.json) : JSON.stringify(result.json, null, 2)}\n`);
  } else {
    const lines = typeof result.text === "string" ? [result.text] : result.text;
    if (lines.length > 0) io.stdout(`${lines.join("\n")}\n`);
  }
  if (result.failure) writeError(io, asJson, result.failure);
}

export function writeError(io: CliIo, asJson: boolean, error: CliError): void {
  if (asJson) io.stderr(`${JSON.stringify(toErrorJson(error))}\n`);
  else io.stderr(`${createStyle(io, "stderr").error("error:")} ${formatCliError(error)}\n`);
}

/** One compact JSON line, for streams of events (`connector start --json`). */
export function writeJsonLine(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value)}\n`);
}
