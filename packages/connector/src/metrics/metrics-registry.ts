export type Labels = Record<string, string>;

export interface Counter {
  inc(labels?: Labels, amount?: number): void;
}

export interface Sample {
  labels?: Labels;
  value: number;
}

interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge";
  samples(): Sample[];
}

export interface MetricsRegistry {
  counter(name: string, help: string): Counter;
  /** A gauge read at scrape time (queue depths come straight from the database). */
  gauge(name: string, help: string, collect: () => Sample[]): void;
  /** Prometheus text exposition format 0.0.4. */
  render(): string;
}

const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

function formatSample(name: string, sample: Sample): string {
  const labels = Object.entries(sample.labels ?? {});
  const labelText = labels.length
    ? `{${labels.map(([key, value]) => `${key}="${escapeLabel(value)}"`).join(",")}}`
    : "";
  return `${name}${labelText} ${Number.isFinite(sample.value) ? sample.value : 0}`;
}

export function createMetricsRegistry(): MetricsRegistry {
  const families: Family[] = [];
  return {
    counter(name, help) {
      const values = new Map<string, Sample>();
      families.push({ name, help, type: "counter", samples: () => [...values.values()] });
      return {
        inc(labels = {}, amount = 1) {
          const key = JSON.stringify(Object.entries(labels).sort());
          const current = values.get(key);
          if (current) current.value += amount;
          else values.set(key, { labels, value: amount });
        },
      };
    },
    gauge(name, help, collect) {
      families.push({ name, help, type: "gauge", samples: collect });
    },
    render() {
      const lines: string[] = [];
      for (const family of families) {
        lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
        const samples = family.samples();
        if (family.type === "counter" && samples.length === 0) lines.push(`${family.name} 0`);
        for (const sample of samples) lines.push(formatSample(family.name, sample));
      }
      return `${lines.join("\n")}\n`;
    },
  };
}
