import { RELAY_PATHS } from "@clawdentity/protocol";
import { expect } from "vitest";
import type { TestProxy } from "./test-proxy";

/** `GET /metrics` as the operator, parsed into series → value (comments left out). */
export async function scrapeMetrics(proxy: TestProxy): Promise<Map<string, number>> {
  const response = await proxy.operator(RELAY_PATHS.metrics);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/plain");
  const series = new Map<string, number>();
  for (const line of (await response.text()).split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    series.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return series;
}
