/** The last `limit` lines of a process's output, kept instead of printed and shown on a failure. */
export interface RecentLines {
  push(line: string): void;
  recent(lines?: number): string[];
}

export function createRecentLines(limit = 500): RecentLines {
  const kept: string[] = [];
  return {
    push(line) {
      kept.push(line);
      if (kept.length > limit) kept.shift();
    },
    recent: (lines = 30) => kept.slice(-lines),
  };
}
