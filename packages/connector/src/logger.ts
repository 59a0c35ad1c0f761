export type LogFields = Record<string, unknown>;

export interface Logger {
  /** A step of one message (queued, relayed, stored, delivered, receipt): written only when verbose. */
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/**
 * One JSON object per line, so log lines can be grepped by messageId and parsed by tools. Per-message
 * lines (`debug`) only with `verbose`: a line per message per hop costs more than the hop under load.
 */
export function createJsonLogger(
  write: (line: string) => void = (line) => process.stdout.write(line),
  options: { verbose?: boolean } = {},
): Logger {
  const log =
    (level: string) =>
    (message: string, fields: LogFields = {}) => {
      write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
    };
  return {
    debug: options.verbose ? log("debug") : () => {},
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export function toErrorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
