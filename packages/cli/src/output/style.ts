import type { CliIo } from "../cli-io";

/** Colours for a stream; every function returns its text unchanged where colour is off. */
export interface Style {
  ok(text: string): string;
  warn(text: string): string;
  error(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const paint = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const COLOURS: Style = {
  ok: paint(32, 39),
  warn: paint(33, 39),
  error: paint(31, 39),
  dim: paint(2, 22),
  bold: paint(1, 22),
};
const PLAIN: Style = { ok: String, warn: String, error: String, dim: String, bold: String };

/**
 * Colour only on a terminal: never with `NO_COLOR` set (https://no-color.org) or `TERM=dumb`;
 * `FORCE_COLOR` (other than 0) turns it on where there is no terminal.
 */
export function isColourEnabled(io: Pick<CliIo, "env" | "tty">, stream: "stdout" | "stderr"): boolean {
  if (io.env.NO_COLOR) return false;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined && force !== "") return force !== "0";
  return io.tty[stream] && io.env.TERM !== "dumb";
}

export function createStyle(io: Pick<CliIo, "env" | "tty">, stream: "stdout" | "stderr"): Style {
  return isColourEnabled(io, stream) ? COLOURS : PLAIN;
}
