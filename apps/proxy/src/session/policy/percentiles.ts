/** Nearest-rank percentiles of a sample; null for an empty one. */
export function toPercentiles<const P extends readonly number[]>(
  samples: readonly number[],
  percentiles: P,
): Record<`p${P[number]}`, number | null> {
  const sorted = [...samples].sort((a, b) => a - b);
  const result: Record<string, number | null> = {};
  for (const p of percentiles) {
    const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    result[`p${p}`] = sorted.length === 0 ? null : (sorted[index] ?? null);
  }
  return result as Record<`p${P[number]}`, number | null>;
}
