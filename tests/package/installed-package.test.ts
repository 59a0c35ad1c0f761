import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bootstrapAdmin,
  type CliRunner,
  type ConnectorProcess,
  createAgent,
  createBinRunner,
  initHome,
  type Json,
  pairAgents,
  REPO_ROOT,
  type ScratchStack,
  sendAndWait,
  startConnectorProcess,
  startScratchStack,
  startTcpForwarder,
  startWebhookReceiver,
  type TcpForwarder,
  type WebhookReceiver,
  waitUntilConnected,
} from "../../scripts/harness";
import { buildCliPackage, type CliPackage } from "../../scripts/package/build-cli-package";
import { type InstalledCliPackage, installCliPackage } from "../../scripts/package/install-cli-package";
import { formatStartupFigures, measureStartup } from "../../scripts/package/measure-startup";

let built: CliPackage;
let installed: InstalledCliPackage;
let stack: ScratchStack;
let proxy: TcpForwarder;
let home: string;
let cli: CliRunner;
const hooks: Record<string, WebhookReceiver> = {};
const dids: Record<string, string> = {};
const connectors: Record<string, ConnectorProcess> = {};

beforeAll(async () => {
  built = buildCliPackage();
  installed = installCliPackage({ tarball: built.tarball });
  stack = await startScratchStack({ name: "package" });
  // The agents reach the proxy through a forwarder, so a test can take the proxy away from them.
  proxy = await startTcpForwarder({ targetPort: Number(new URL(stack.proxyUrl).port) });
  home = mkdtempSync(join(tmpdir(), "clawdentity-package-home-"));
  cli = createBinRunner({ home, bin: installed.bin, cwd: installed.dir });
});

afterAll(async () => {
  for (const connector of Object.values(connectors)) await connector.stop();
  for (const hook of Object.values(hooks)) await hook.close();
  await proxy?.close();
  await stack?.dispose();
  if (home) rmSync(home, { recursive: true, force: true });
  if (installed) rmSync(installed.dir, { recursive: true, force: true });
});

describe("the clawdentity npm package, packed and installed outside the repository", () => {
  it("holds plain JavaScript, a bin, engines and better-sqlite3 as its one dependency", () => {
    const files = execFileSync("tar", ["-tzf", built.tarball], { encoding: "utf8" }).trim().split("\n");
    expect(files).toEqual(
      expect.arrayContaining([
        "package/package.json",
        "package/bin/clawdentity.js",
        "package/dist/clawdentity.js",
        "package/README.md",
        "package/THIRD_PARTY_NOTICES.md",
      ]),
    );
    // Nothing but JavaScript under bin/ and dist/ (chunks, and assets such as the OpenClaw transform).
    expect(files.filter((file) => !/^package\/(bin|dist)\/[\w./-]+\.m?js$/.test(file))).toEqual([
      "package/package.json",
      "package/README.md",
      "package/THIRD_PARTY_NOTICES.md",
    ]);
    const packageDir = join(installed.dir, "node_modules", "clawdentity");
    const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as Json;
    expect(manifest).toMatchObject({
      name: "clawdentity",
      version: built.version,
      type: "module",
      bin: { clawdentity: "bin/clawdentity.js" },
      engines: { node: expect.stringContaining(">=20") },
    });
    expect(Object.keys(manifest.dependencies)).toEqual(["better-sqlite3"]);
    // The executable npm linked is the installed package's, not the repository's.
    expect(realpathSync(installed.bin)).toBe(join(realpathSync(packageDir), "bin", "clawdentity.js"));
    expect(realpathSync(installed.bin).startsWith(REPO_ROOT)).toBe(false);
  });

  // Figures only: timing is the benchmark's to judge (`pnpm bench:cli`), never a test's; what keeps
  // start-up small (only commander loads for --help) is enforced by the package build.
  it("--help prints its start-up figures against Node's own, measured in the same run", () => {
    const figures = measureStartup(
      [
        { name: "node -e 0 (baseline)", command: process.execPath, args: ["-e", "0"] },
        { name: "clawdentity --help", command: installed.bin, args: ["--help"] },
      ],
      9,
    );
    console.log(formatStartupFigures(figures).join("\n"));
    expect(figures.map((figure) => figure.name)).toEqual(["node -e 0 (baseline)", "clawdentity --help"]);
    expect(figures.every((figure) => Number.isFinite(figure.medianMs))).toBe(true);
  });

  it("init, admin bootstrap, two agents, pairing, two connectors, a message each way with receipts", async () => {
    await initHome(cli, { registryUrl: stack.registryUrl, proxyUrl: proxy.url });
    await bootstrapAdmin(cli, stack.secrets.bootstrapSecret);
    for (const name of ["alice", "bob"]) {
      hooks[name] = await startWebhookReceiver();
      dids[name] = (await createAgent(cli, name, hooks[name].url)).agent.did;
    }
    await pairAgents(cli, "alice", "bob");
    for (const name of ["alice", "bob"]) {
      connectors[name] = await startConnectorProcess({ home, agent: name, bin: installed.bin });
      await waitUntilConnected(cli, name);
    }

    for (const [from, to] of [
      ["alice", "bob"],
      ["bob", "alice"],
    ] as const) {
      const sent = await sendAndWait(cli, from, dids[to] ?? "", { text: `hello ${to}` }, { waitSeconds: 30 });
      expect(sent.exitCode, sent.stderr).toBe(0);
      const outcome = sent.json<Json>();
      expect(outcome).toMatchObject({ status: "delivered_to_webhook", toAgentDid: dids[to] });
      const delivered = await hooks[to]?.waitForDelivery(outcome.messageId);
      expect(delivered).toMatchObject({ fromAgentDid: dids[from], payload: { text: `hello ${to}` } });
      const receipt = await hooks[from]?.waitForReceipt(outcome.messageId);
      expect(receipt).toMatchObject({ status: "delivered_to_webhook", toAgentDid: dids[to] });
    }
  });

  it.runIf(process.platform === "linux")(
    "connector service install --dry-run: a unit running the installed package",
    async () => {
      const dry = await cli.run("--agent", "alice", "connector", "service", "install", "--dry-run");
      expect(dry.exitCode, dry.stderr).toBe(0);
      expect(dry.stdout).toContain(
        `ExecStart="${process.execPath}" "${realpathSync(installed.bin)}" "--home" "${home}" "--agent" "alice" "connector" "start"`,
      );
    },
  );

  it("status exits 0 with everything up, 3 with the connector stopped or the proxy down", async () => {
    const up = await cli.run("--json", "--agent", "alice", "status");
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.json<Json>().down).toEqual([]);

    await connectors.bob?.stop();
    delete connectors.bob;
    const stopped = await cli.run("--json", "--agent", "bob", "status");
    expect(stopped.exitCode).toBe(3);
    expect(stopped.json<Json>().down).toEqual(["connector of bob stopped"]);
    expect(stopped.error()).toMatchObject({ code: "CLI_DOWN", message: "connector of bob stopped" });

    await proxy.close();
    const proxyDown = await cli.run("--agent", "alice", "status");
    expect(proxyDown.exitCode).toBe(3);
    expect(proxyDown.stdout).toContain("✗ down: proxy unreachable");
    expect(proxyDown.stderr).toMatch(/^error: CLI_DOWN: proxy unreachable/);
  });
});
