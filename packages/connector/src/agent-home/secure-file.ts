import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export class AgentHomeError extends Error {
  override readonly name = "AgentHomeError";
}

/** Writes a file atomically (temp file, fsync, rename) so a crash never leaves half a secret behind. */
export function writeFileAtomic(path: string, content: string, mode: number): void {
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const fd = openSync(temp, "wx", mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // The umask may have narrowed the mode; a secret must end up exactly at `mode`.
  chmodSync(temp, mode);
  renameSync(temp, path);
  const dirFd = openSync(dirname(path), "r");
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** Reads a JSON file that holds secrets; refuses it when group or others can read it (like ssh does). */
export function readSecretJson(path: string): unknown {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    throw new AgentHomeError(`${path} does not exist`);
  }
  if (process.platform !== "win32" && (mode & 0o077) !== 0) {
    throw new AgentHomeError(
      `${path} is accessible by other users (mode ${(mode & 0o777).toString(8)}); run chmod 600`,
    );
  }
  return readJson(path);
}

export function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new AgentHomeError(`${path} does not exist`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new AgentHomeError(`${path} is not valid JSON`);
  }
}
