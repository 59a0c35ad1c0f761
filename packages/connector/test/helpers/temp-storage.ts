import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { type ConnectorStorage, openConnectorStorage } from "../../src/storage";

/** Opens connector databases in temporary folders, each closed and removed after its test. */
export function useTempStorage(prefix: string): () => ConnectorStorage {
  const opened: Array<{ storage: ConnectorStorage; dir: string }> = [];
  afterEach(() => {
    for (const { storage, dir } of opened.splice(0)) {
      if (storage.db.open) storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    const storage = openConnectorStorage(join(dir, "connector.db"));
    opened.push({ storage, dir });
    return storage;
  };
}
