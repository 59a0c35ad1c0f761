import { createCli } from "./create-cli";

const exitCode = await createCli().run(process.argv.slice(2));
process.exitCode = exitCode;
// Keep-alive sockets or timers left by a library must not hold a finished command open.
setTimeout(() => process.exit(exitCode), 200).unref();
