#!/usr/bin/env node
// Runs the TypeScript sources through tsx's ESM loader, in this process (signals reach the CLI directly).
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
