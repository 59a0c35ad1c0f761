/** JSON text of `depth` nested arrays around one number: 10,000 levels are 20 KB. */
export const nestedJson = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;

/** JSON text of an array of `count` values. */
export const manyValuesJson = (count: number) => `[${Array.from({ length: count }, () => "0").join(",")}]`;
