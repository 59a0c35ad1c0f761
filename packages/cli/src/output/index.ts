export { type CommandResult, writeError, writeJsonLine, writeResult } from "./command-result";
export { formatTable } from "./format-table";
export { createProgress, type Progress } from "./progress";
export { createStyle, isColourEnabled, type Style } from "./style";
