import { describe, expect, it } from "vitest";
import { resolveCliIo } from "../cli-io";
import { createConnectorLogger } from "./connector-logger";

function capture(tty: boolean, options: Parameters<typeof createConnectorLogger>[1] = {}) {
  const lines: string[] = [];
  const io = resolveCliIo({
    env: { NO_COLOR: "1" },
    tty: { stdin: tty, stdout: tty, stderr: tty },
    stderr: (text) => {
      lines.push(text);
    },
  });
  const logger = createConnectorLogger(io, options);
  logger.warn("webhook delivery failed", {
    messageId: "01J0000000000000000000000M",
    attempt: 2,
    error: "HTTP 502 bad",
  });
  return lines;
}

describe("the connector's log", () => {
  it("is one readable line per event on a terminal", () => {
    const [line] = capture(true);
    expect(line).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} warn {2}webhook delivery failed messageId=01J0000000000000000000000M attempt=2 error="HTTP 502 bad"\n$/,
    );
  });

  it("is JSON lines when stderr is not a terminal, or with --log-format json", () => {
    for (const lines of [capture(false), capture(true, { logFormat: "json" })]) {
      expect(JSON.parse(lines[0] ?? "")).toMatchObject({
        level: "warn",
        message: "webhook delivery failed",
        attempt: 2,
        time: expect.any(String),
      });
    }
    expect(capture(false, { logFormat: "text" })[0]).toContain("warn  webhook delivery failed");
  });

  it("leaves each message's steps out unless --verbose", () => {
    const steps = (options: Parameters<typeof createConnectorLogger>[1]) => {
      const lines: string[] = [];
      const io = resolveCliIo({
        env: { NO_COLOR: "1" },
        tty: { stdin: false, stdout: false, stderr: false },
        stderr: (text) => {
          lines.push(text);
        },
      });
      createConnectorLogger(io, options).debug("inbound message stored", { messageId: "01J0000000000000000000000M" });
      return lines;
    };
    expect(steps({})).toEqual([]);
    expect(JSON.parse(steps({ verbose: true })[0] ?? "")).toMatchObject({
      level: "debug",
      message: "inbound message stored",
    });
    expect(steps({ verbose: true, quiet: true })).toEqual([]);
  });

  it("is nothing with --quiet", () => {
    expect(capture(true, { quiet: true })).toEqual([]);
  });
});
