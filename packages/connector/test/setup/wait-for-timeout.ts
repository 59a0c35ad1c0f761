import { vi } from "vitest";

/**
 * These tests wait on real child processes, sockets and SQLite commits; on a loaded 2-core machine
 * one such round trip can outlast `vi.waitFor`'s 1 s default. A condition that never holds still
 * fails, after 10 s instead of 1 s. An explicit timeout at a call site wins.
 */
const DEFAULT_WAIT_FOR = { timeout: 10_000, interval: 50 };
const waitFor = vi.waitFor;
vi.waitFor = ((callback, options) =>
  waitFor(callback, typeof options === "number" ? options : { ...DEFAULT_WAIT_FOR, ...options })) as typeof vi.waitFor;
