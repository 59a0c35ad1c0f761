/** Step-by-step progress on a terminal: `[n/N] title … ✓ 1.2 s`, detail lines under it, colour only on a TTY. */

export interface StepOutcome {
  title: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export interface Reporter {
  heading(text: string): void;
  /** Runs one step: prints its title, then ✓ or ✗ with its duration; resolves false when it failed. */
  step(title: string, run: (detail: (line: string) => void) => Promise<void>): Promise<boolean>;
  /** A line printed outside any step. */
  note(line: string): void;
  outcomes(): StepOutcome[];
}

const ANSI = { green: 32, red: 31, dim: 2, bold: 1, cyan: 36 } as const;

const formatDuration = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

export function createReporter(options: {
  totalSteps: number;
  write?: (text: string) => void;
  color?: boolean;
}): Reporter {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  // hasColors() honours NO_COLOR and FORCE_COLOR.
  const color = options.color ?? Boolean(process.stdout.isTTY && process.stdout.hasColors());
  const paint = (code: number, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const width = String(options.totalSteps).length;
  const outcomes: StepOutcome[] = [];

  return {
    heading(text) {
      write(`\n${paint(ANSI.bold, text)}\n\n`);
    },
    async step(title, run) {
      const index = String(outcomes.length + 1).padStart(width);
      write(`${paint(ANSI.cyan, `[${index}/${options.totalSteps}]`)} ${title}\n`);
      const details: string[] = [];
      const detail = (line: string) => {
        details.push(line);
        write(`${" ".repeat(width * 2 + 4)}${paint(ANSI.dim, line)}\n`);
      };
      const started = performance.now();
      try {
        await run(detail);
        const ms = Math.round(performance.now() - started);
        outcomes.push({ title, ok: true, ms });
        write(`${" ".repeat(width * 2 + 4)}${paint(ANSI.green, "✓")} ${formatDuration(ms)}\n`);
        return true;
      } catch (error) {
        const ms = Math.round(performance.now() - started);
        const message = error instanceof Error ? error.message : String(error);
        outcomes.push({ title, ok: false, ms, error: message });
        write(`${" ".repeat(width * 2 + 4)}${paint(ANSI.red, `✗ ${message}`)} (${formatDuration(ms)})\n`);
        return false;
      }
    },
    note(line) {
      write(`${line}\n`);
    },
    outcomes: () => [...outcomes],
  };
}
