/**
 * Structural limits of a relayed payload, on top of its size (`RELAY_MAX_PAYLOAD_BYTES`): the
 * deepest nesting of arrays and objects, and how many values it holds. A payload past them is
 * refused at every entry (proxy, connector local API, frames), before anything parses or
 * serializes it: deep nesting overflows recursive parsers and serializers.
 */
export const JSON_STRUCTURE_LIMITS = { maxDepth: 64, maxValues: 20_000 } as const;

export type JsonStructureLimits = { maxDepth: number; maxValues: number };

export type JsonStructureProblem = "depth" | "values";

/**
 * Measures JSON text in one linear pass, without parsing or recursion, and stops at the first
 * limit passed. Values are counted as array elements and object members (one more per comma);
 * brackets inside strings do not count. Malformed text is not diagnosed here; the parser that
 * follows refuses it.
 */
export function findJsonStructureProblem(
  text: string,
  limits: JsonStructureLimits = JSON_STRUCTURE_LIMITS,
): JsonStructureProblem | null {
  let depth = 0;
  let values = 1;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c /* \ */) index++;
      else if (code === 0x22 /* " */) inString = false;
      continue;
    }
    switch (code) {
      case 0x22:
        inString = true;
        break;
      case 0x5b /* [ */:
      case 0x7b /* { */:
        depth++;
        if (depth > limits.maxDepth) return "depth";
        break;
      case 0x5d /* ] */:
      case 0x7d /* } */:
        depth--;
        break;
      case 0x2c /* , */:
        values++;
        if (values > limits.maxValues) return "values";
        break;
    }
  }
  return null;
}
