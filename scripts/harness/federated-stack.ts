import {
  type SecondProxyProcess,
  type SecondProxyProcessOptions,
  startSecondProxyProcess,
} from "./second-proxy-process";
import { type StackProcess, type StackProcessOptions, startStackProcess } from "./stack-process";

/**
 * One registry and two proxy deployments, PROTOCOL.md §11: registry and proxy A in one process,
 * proxy B in another, each killable on its own. `proxyUrl` is A's; agents on B are created with
 * `--proxy-url <proxyB.proxyUrl>`.
 */
export interface FederatedStack extends StackProcess {
  proxyB: SecondProxyProcess;
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
  return {
    ...stack,
    proxyB,
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
