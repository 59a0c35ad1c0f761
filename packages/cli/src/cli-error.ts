/** Codes of the CLI's own failures; API failures keep the code the API answered with. */
export const CLI_ERROR_CODES = [
  "CLI_INVALID_ARGUMENT",
  "CLI_NOT_INITIALIZED",
  "CLI_CONFIG_INVALID",
  "CLI_TOKEN_REQUIRED",
  "CLI_AGENT_REQUIRED",
  "CLI_AGENT_NOT_FOUND",
  "CLI_AGENT_EXISTS",
  "CLI_AGENT_HOME_INVALID",
  "CLI_CONNECTOR_NOT_RUNNING",
  "CLI_CONNECTOR_ALREADY_RUNNING",
  "CLI_CONNECTOR_START_FAILED",
  "CLI_UNREACHABLE",
  "CLI_HTTP_ERROR",
  "CLI_UNEXPECTED_RESPONSE",
  "CLI_NOT_FOUND",
  "CLI_WAIT_TIMEOUT",
  "CLI_MESSAGE_DEAD_LETTERED",
  "CLI_DOWN",
  "CLI_CONFIRMATION_REQUIRED",
  "CLI_CANCELLED",
  "CLI_DATABASE_UNREADABLE",
  "CLI_SERVICE_UNSUPPORTED",
  "CLI_SERVICE_UNAVAILABLE",
  "CLI_SERVICE_FAILED",
  "CLI_INTERNAL",
] as const;
export type CliErrorCode = (typeof CLI_ERROR_CODES)[number];

/**
 * 1: the user can fix it (input, config, API 4xx, a service unreachable). 2: a bug or a broken
 * server. 3: `status` found something down (it ran fine; what it checked did not).
 */
export type ExitCode = 0 | 1 | 2 | 3;
export const EXIT_USER_ERROR = 1;
export const EXIT_FATAL = 2;
export const EXIT_DOWN = 3;

export interface CliErrorInit {
  code: CliErrorCode | (string & {});
  message: string;
  exitCode?: Exclude<ExitCode, 0>;
  requestId?: string;
  httpStatus?: number;
  details?: unknown;
}

/** The one error class of the CLI: API envelopes and local failures alike. */
export class CliError extends Error {
  override readonly name = "CliError";
  readonly code: string;
  readonly exitCode: Exclude<ExitCode, 0>;
  readonly requestId: string | undefined;
  readonly httpStatus: number | undefined;
  readonly details: unknown;

  constructor(init: CliErrorInit) {
    super(init.message);
    this.code = init.code;
    this.exitCode = init.exitCode ?? EXIT_USER_ERROR;
    this.requestId = init.requestId;
    this.httpStatus = init.httpStatus;
    this.details = init.details;
  }
}

/** `CODE: message (requestId)`, the one-line form of an error for people. */
export function formatCliError(error: CliError): string {
  return `${error.code}: ${error.message}${error.requestId ? ` (${error.requestId})` : ""}`;
}

/** The PROTOCOL.md §7 envelope shape, so `--json` errors read like API errors. */
export function toErrorJson(error: CliError): { error: Record<string, unknown> } {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.requestId ? { requestId: error.requestId } : {}),
      ...(error.httpStatus ? { status: error.httpStatus } : {}),
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
}
