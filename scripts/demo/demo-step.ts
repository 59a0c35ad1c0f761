import type { DemoContext } from "./demo-context";

export interface DemoStep {
  title: string;
  /** Later steps depend on it: when it fails the demo shuts down instead of going on. */
  required?: boolean;
  run(context: DemoContext, detail: (line: string) => void): Promise<void>;
}
