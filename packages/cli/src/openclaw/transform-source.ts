import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const TRANSFORM_FILE = "clawdentity-transform.mjs";

/**
 * The transform module this CLI ships, as text: beside this file in the repository
 * (`assets/`), or where the npm package's build copies it (`dist/openclaw-assets/`, next to the
 * chunk this code is bundled into or one level up).
 */
export function readTransformSource(): string {
  const candidates = [
    new URL(`./assets/${TRANSFORM_FILE}`, import.meta.url),
    new URL(`./openclaw-assets/${TRANSFORM_FILE}`, import.meta.url),
    new URL(`../openclaw-assets/${TRANSFORM_FILE}`, import.meta.url),
  ].map((url) => fileURLToPath(url));
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`the OpenClaw transform ${TRANSFORM_FILE} is missing from this installation`);
  return readFileSync(found, "utf8");
}
