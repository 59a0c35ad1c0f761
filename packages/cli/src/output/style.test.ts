import { describe, expect, it } from "vitest";
import { createProgress } from "./progress";
import { createStyle, isColourEnabled } from "./style";

const TERMINAL = { stdin: true, stdout: true, stderr: true };
const PIPED = { stdin: false, stdout: false, stderr: false };

describe("colour", () => {
  it("only on a terminal, never with NO_COLOR or TERM=dumb; FORCE_COLOR turns it on elsewhere", () => {
    expect(isColourEnabled({ env: {}, tty: TERMINAL }, "stdout")).toBe(true);
    expect(isColourEnabled({ env: {}, tty: PIPED }, "stdout")).toBe(false);
    expect(isColourEnabled({ env: { NO_COLOR: "1" }, tty: TERMINAL }, "stdout")).toBe(false);
    expect(isColourEnabled({ env: { NO_COLOR: "1", FORCE_COLOR: "1" }, tty: TERMINAL }, "stderr")).toBe(false);
    expect(isColourEnabled({ env: { TERM: "dumb" }, tty: TERMINAL }, "stdout")).toBe(false);
    expect(isColourEnabled({ env: { FORCE_COLOR: "1" }, tty: PIPED }, "stdout")).toBe(true);
    expect(isColourEnabled({ env: { FORCE_COLOR: "0" }, tty: TERMINAL }, "stdout")).toBe(false);
    expect(isColourEnabled({ env: {}, tty: { ...TERMINAL, stderr: false } }, "stderr")).toBe(false);
  });

  it("paints with ANSI codes where enabled and returns the text unchanged otherwise", () => {
    expect(createStyle({ env: {}, tty: TERMINAL }, "stdout").error("down")).toBe("\u001b[31mdown\u001b[39m");
    expect(createStyle({ env: { NO_COLOR: "1" }, tty: TERMINAL }, "stdout").error("down")).toBe("down");
  });
});

describe("progress", () => {
  it("draws on a terminal's stderr and clears its line when done; nothing when piped or under --json", () => {
    const written: string[] = [];
    const stderr = (text: string) => {
      written.push(text);
    };
    const progress = createProgress({ env: {}, tty: TERMINAL, stderr }, false);
    progress.update("waiting for bob");
    progress.done();
    expect(written[0]?.startsWith("\r\u001b[2K")).toBe(true);
    expect(written[0]?.endsWith(" waiting for bob (0 s)")).toBe(true);
    expect(written.at(-1)).toBe("\r\u001b[2K");

    const silent: string[] = [];
    for (const [tty, json] of [
      [PIPED, false],
      [TERMINAL, true],
    ] as const) {
      const other = createProgress({ env: {}, tty, stderr: (text) => silent.push(text) }, json);
      other.update("x");
      other.done();
    }
    expect(silent).toEqual([]);
  });
});
