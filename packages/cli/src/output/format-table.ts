/** Left-aligned columns for human output; `undefined` cells print as `-`. */
export function formatTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): string[] {
  const cells = [
    headers,
    ...rows.map((row) => row.map((cell) => (cell === undefined || cell === null ? "-" : String(cell)))),
  ];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? "").length)));
  return cells.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}
