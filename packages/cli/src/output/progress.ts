import type { CliIo } from "../cli-io";

export interface Progress {
  /** What is being waited for; shown with a spinner and the seconds elapsed. */
  update(text: string): void;
  /** Clears the line. */
  done(): void;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const FRAME_MS = 100;
const NO_PROGRESS: Progress = { update() {}, done() {} };

/**
 * A one-line spinner on stderr for waits and long operations, only on a terminal and not under
 * `--json`: piped output and scripts see nothing of it.
 */
export function createProgress(io: Pick<CliIo, "tty" | "env" | "stderr">, json: boolean): Progress {
  if (json || !io.tty.stderr || io.env.TERM === "dumb") return NO_PROGRESS;
  const startedAt = Date.now();
  let text = "";
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    const seconds = Math.floor((Date.now() - startedAt) / 1000);
    frame = (frame + 1) % FRAMES.length;
    io.stderr(`\r\u001b[2K${FRAMES[frame]} ${text} (${seconds} s)`);
  };
  return {
    update(next) {
      text = next;
      if (!timer) {
        timer = setInterval(draw, FRAME_MS);
        timer.unref();
      }
      draw();
    },
    done() {
      if (!timer) return;
      clearInterval(timer);
      timer = undefined;
      io.stderr("\r\u001b[2K");
    },
  };
}
