import { parseArgs } from "node:util";

/**
 * Messages over each side before anything is measured (raw hops; round trips alice → bob): the
 * code of every process is compiled over the first few hundred messages (the CPU a round trip
 * costs across the processes falls by about a third between the first 1,000 messages and the
 * next), and the benchmark measures the system as it runs, not as it starts.
 */
export const WARM_UP_MESSAGES = 500;

export interface BenchOptions {
  messages: number;
  concurrency: number;
  payloadBytes: number;
  /** Messages of the one-at-a-time latency run; 0 skips it. */
  light: number;
}

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== "--"),
    options: {
      messages: { type: "string", default: "1000" },
      concurrency: { type: "string", default: "16" },
      "payload-bytes": { type: "string", default: "250" },
      light: { type: "string", default: "50" },
    },
  });
  const integer = (name: string, value: string, min: number, max: number) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new Error(`--${name} must be an integer from ${min} to ${max}, got ${value}`);
    }
    return parsed;
  };
  return {
    messages: integer("messages", values.messages, 1, 100_000),
    concurrency: integer("concurrency", values.concurrency, 1, 256),
    payloadBytes: integer("payload-bytes", values["payload-bytes"], 32, 200_000),
    light: integer("light", values.light, 0, 10_000),
  };
}
