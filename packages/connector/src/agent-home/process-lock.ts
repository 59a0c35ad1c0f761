import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { AgentHomeError } from "./secure-file";

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One connector per agent home: two processes on one database would each recover the other's
 * leases and send the same message twice. A lock left by a killed process (dead pid) is taken over.
 */
export function acquireAgentLock(lockPath: string): { release(): void } {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return {
        release() {
          rmSync(lockPath, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number.parseInt(readFileSync(lockPath, "utf8").trim(), 10);
      if (Number.isInteger(holder) && holder !== process.pid && isProcessAlive(holder)) {
        throw new AgentHomeError(`another connector (pid ${holder}) is running for this agent (${lockPath})`);
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new AgentHomeError(`could not take the lock ${lockPath}`);
}
