import { REGISTRY_PATHS } from "../../packages/protocol/src/index.ts";
import { type LocalProxyKey, toLocalProxyKey } from "../local-stack/proxy-registration";
import {
  type SecondProxyProcess,
  type SecondProxyProcessOptions,
  startSecondProxyProcess,
} from "./second-proxy-process";
import { type StackProcess, type StackProcessOptions, startStackProcess } from "./stack-process";
import { waitFor } from "./wait-for";

/**
 * One registry and two proxy deployments, PROTOCOL.md §11: registry and proxy A in one process,
 * proxy B in another, each killable on its own. `proxyUrl` is A's; agents on B are created with
 * `--proxy-url <proxyB.proxyUrl>`.
 */
export interface FederatedStack extends StackProcess {
  proxyB: SecondProxyProcess;
  /** Both proxies' keys, as the registry holds them. */
  proxyKeys: { a: LocalProxyKey; b: LocalProxyKey };
  /**
   * Resolves once both proxies are registered (the stack does it within a second of `admin
   * bootstrap`): connect agents after it, so their home is attested.
   */
  waitUntilProxiesRegistered(): Promise<void>;
}

export async function startFederatedStack(
  options: StackProcessOptions & { proxyB?: SecondProxyProcessOptions } = {},
): Promise<FederatedStack> {
  const { proxyB: proxyBOptions, ...stackOptions } = options;
  const stack = await startStackProcess({ ...stackOptions, secondProxy: "apart" });
  let proxyB: SecondProxyProcess;
  try {
    proxyB = await startSecondProxyProcess(stack, {
      ...(stackOptions.proxyVars ? { proxyVars: stackOptions.proxyVars } : {}),
      ...proxyBOptions,
    });
  } catch (error) {
    await stack.dispose();
    throw error;
  }
  const { proxySigningKey, secondProxy } = stack.secrets;
  if (!proxySigningKey || !secondProxy) throw new Error("the stack's secrets hold no keys for two proxies");
  const proxyKeys = {
    a: toLocalProxyKey(stack.proxyUrl, proxySigningKey),
    b: toLocalProxyKey(proxyB.proxyUrl, secondProxy.signingKey),
  };
  const isRegistered = async (kid: string) => {
    const response = await fetch(new URL(`${REGISTRY_PATHS.proxies}/${kid}`, stack.registryUrl));
    await response.body?.cancel();
    return response.ok;
  };
  return {
    ...stack,
    proxyB,
    proxyKeys,
    waitUntilProxiesRegistered: async () => {
      await waitFor(
        "both proxies registered at the registry",
        async () => (await isRegistered(proxyKeys.a.kid)) && isRegistered(proxyKeys.b.kid),
        { intervalMs: 500 },
      );
    },
    recentRuntimeOutput: (lines = 30) => [
      ...stack.recentRuntimeOutput(lines).map((line) => `[A] ${line}`),
      ...proxyB.recentRuntimeOutput(lines).map((line) => `[B] ${line}`),
    ],
    async dispose() {
      try {
        await proxyB.dispose();
      } finally {
        await stack.dispose();
      }
    },
  };
}
