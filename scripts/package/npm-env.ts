/**
 * The environment for running npm itself: without the `npm_*` settings a parent `pnpm run` or
 * `npm run` exported (they would configure this npm as if it were that run's), update checks off.
 */
export function toNpmEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm|pnpm)_/i.test(name)));
  return { ...env, npm_config_update_notifier: "false", npm_config_fund: "false", ...extra };
}
