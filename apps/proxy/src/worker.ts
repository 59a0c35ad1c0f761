import { createProxyApp } from "./app";
import { resolveProxyConfig } from "./config";

export { AgentRelaySession } from "./session";

let app: ReturnType<typeof createProxyApp> | undefined;

/** Wiring only: config parsed once per isolate, one app per isolate. */
export default {
  fetch(request, env, ctx) {
    app ??= createProxyApp({ config: resolveProxyConfig(env) });
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
