import { spawn } from "node:child_process";
import type { RunCommand } from "./service-manager";

/** Runs a command with `env` (its PATH finds the command), collecting its output; never rejects on an exit code. */
export function createRunCommand(env: Record<string, string | undefined>, options: { cwd?: string } = {}): RunCommand {
  return (command, args) =>
    new Promise((resolve, reject) => {
      const child = spawn(command, [...args], { env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
      });
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
      });
      child.once("error", reject);
      child.once("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
}
