import { agentDidSchema, ulidSchema } from "@clawdentity/protocol";
import { InvalidArgumentError } from "commander";
import type { z } from "zod";

/** A commander argument parser for an integer within bounds; a bad value is a usage error (exit 1). */
export function toIntegerParser(min: number, max: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || number < min || number > max) {
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    }
    return number;
  };
}

/** A commander argument parser backed by a zod schema (DIDs, URLs, durations). */
export function toSchemaParser<T>(schema: z.ZodType<T>) {
  return (value: string): T => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues[0]?.message ?? "invalid value");
    return parsed.data;
  };
}

export const parseHttpUrl = (value: string): string => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("must be an http(s) URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new InvalidArgumentError("must be an http(s) URL");
  return value.replace(/\/+$/, "");
};

export const parseAgentDid = toSchemaParser(agentDidSchema);
export const parseMessageId = toSchemaParser(ulidSchema);

/** `--wait <seconds>` of the polling commands. */
export const parseWaitSeconds = toIntegerParser(0, 3600);
