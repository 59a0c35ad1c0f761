export { createHeldValue, forgettingRunner } from "./held-value";
export { type PruneSpec, pruneHeadOlderThan, pruneOlderThan } from "./prune";
export { createSchemaMigrator, type SchemaMigration, type SchemaMigrator } from "./schema-migrator";
export { createSqlRunner, type SqlRow, type SqlRunner } from "./sql";
