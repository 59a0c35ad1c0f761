export { type CommandResult, writeError, writeJsonLine, writeResult } from "./command-result";
export { formatTable } from "./format-table";
