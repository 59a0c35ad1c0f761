import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { resolveCliIo } from "../src";
import { COMMAND_MODULES, registerCommands } from "../src/commands";
import { HELP_EXAMPLES, toCommandPath } from "../src/commands/help-examples";
import { createCliHarness } from "./helpers/cli-harness";

/** Every command path of the program with every module loaded, the program itself first. */
async function listCommandPaths(): Promise<string[]> {
  const program = new Command("clawdentity");
  await registerCommands(program, resolveCliIo(), { exitCode: 0 }, { all: true });
  const paths: string[] = [""];
  const walk = (command: Command) => {
    for (const sub of command.commands) {
      paths.push(toCommandPath(sub));
      walk(sub);
    }
  };
  walk(program);
  return paths;
}

describe("help", () => {
  it("every command's help shows the global options and an example of that command", async () => {
    const paths = await listCommandPaths();
    expect(paths.length).toBeGreaterThan(COMMAND_MODULES.length);
    const cli = createCliHarness();
    try {
      for (const path of paths) {
        const words = path ? path.split(" ") : [];
        const help = await cli.run(...words, "--help");
        expect(help.exitCode, path).toBe(0);
        if (path) expect(help.stdout, path).toContain("Global Options:\n");
        expect(help.stdout, path).toContain("--home <dir>");
        expect(help.stdout, path).toMatch(/\nExamples:\n {2}\$ clawdentity /);
        for (const example of HELP_EXAMPLES[path] ?? []) {
          // An example runs the command it illustrates (global options may come first).
          const withoutGlobals = example.replace(/ --(agent|home) \S+| --json/g, "");
          expect(withoutGlobals.startsWith(`clawdentity ${path}`.trim()), `${path}: ${example}`).toBe(true);
        }
      }
    } finally {
      cli.dispose();
    }
  });

  it("examples exist only for commands that exist", async () => {
    const paths = new Set(await listCommandPaths());
    expect(Object.keys(HELP_EXAMPLES).filter((path) => !paths.has(path))).toEqual([]);
  });

  it("the command list of --help names every command module", async () => {
    const cli = createCliHarness();
    try {
      const help = await cli.run("--help");
      for (const module of COMMAND_MODULES) expect(help.stdout).toMatch(new RegExp(`\\n {2}${module.name} +\\S`));
    } finally {
      cli.dispose();
    }
  });
});
