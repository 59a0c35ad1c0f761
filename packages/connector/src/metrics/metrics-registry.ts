import {
  createHistogramState,
  type HistogramState,
  type LatencyPercentiles,
  mergeHistogram,
  observe,
  toHistogramLines,
  toLatencyPercentiles,
  toPrometheusHeader,
  toPrometheusLabels,
} from "@clawdentity/sdk";

export type Labels = Record<string, string>;

export interface Counter {
  inc(labels?: Labels, amount?: number): void;
}

/** Latencies in seconds on the shared 1 ms – 6 h buckets. */
export interface Histogram {
  observe(labels: Labels, seconds: number): void;
  /** p50/p99 over every series of the family, or over those whose labels include `filter`. */
  percentiles(filter?: Labels): LatencyPercentiles;
}

export interface Sample {
  labels?: Labels;
  value: number;
}

interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  lines(): string[];
}

export interface MetricsRegistry {
  counter(name: string, help: string): Counter;
  /** A gauge read at scrape time (queue depths come straight from the database). */
  gauge(name: string, help: string, collect: () => Sample[]): void;
  /** A counter whose value is read at scrape time from state something else keeps. */
  counterFrom(name: string, help: string, collect: () => Sample[]): void;
  histogram(name: string, help: string): Histogram;
  /** Prometheus text exposition format 0.0.4. */
  render(): string;
}

const keyOf = (labels: Labels) => JSON.stringify(Object.entries(labels).sort());

const formatSample = (name: string, sample: Sample) =>
  `${name}${toPrometheusLabels(sample.labels)} ${Number.isFinite(sample.value) ? sample.value : 0}`;

export function createMetricsRegistry(): MetricsRegistry {
  const families: Family[] = [];
  return {
    counter(name, help) {
      const values = new Map<string, Sample>();
      families.push({
        name,
        help,
        type: "counter",
        lines: () => (values.size === 0 ? [`${name} 0`] : [...values.values()].map((s) => formatSample(name, s))),
      });
      return {
        inc(labels = {}, amount = 1) {
          const key = keyOf(labels);
          const current = values.get(key);
          if (current) current.value += amount;
          else values.set(key, { labels, value: amount });
        },
      };
    },
    gauge(name, help, collect) {
      families.push({ name, help, type: "gauge", lines: () => collect().map((sample) => formatSample(name, sample)) });
    },
    counterFrom(name, help, collect) {
      families.push({
        name,
        help,
        type: "counter",
        lines: () => collect().map((sample) => formatSample(name, sample)),
      });
    },
    histogram(name, help) {
      const series = new Map<string, { labels: Labels; state: HistogramState }>();
      families.push({
        name,
        help,
        type: "histogram",
        lines: () => [...series.values()].flatMap(({ labels, state }) => toHistogramLines(name, labels, state)),
      });
      return {
        observe(labels, seconds) {
          const key = keyOf(labels);
          let entry = series.get(key);
          if (!entry) {
            entry = { labels, state: createHistogramState() };
            series.set(key, entry);
          }
          observe(entry.state, seconds);
        },
        percentiles(filter = {}) {
          const total = createHistogramState();
          for (const { labels, state } of series.values()) {
            if (Object.entries(filter).every(([label, value]) => labels[label] === value)) mergeHistogram(total, state);
          }
          return toLatencyPercentiles(total);
        },
      };
    },
    render() {
      const lines = families.flatMap((family) => [
        ...toPrometheusHeader(family.name, family.type, family.help),
        ...family.lines(),
      ]);
      return `${lines.join("\n")}\n`;
    },
  };
}
