/** A CLI `--json` answer; tests check it with matchers, field by field. */
// biome-ignore lint/suspicious/noExplicitAny: the shapes are the CLI's contract, asserted by the matchers.
export type Json = Record<string, any>;
