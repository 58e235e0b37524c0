// @faultline/cli — the `faultline` command line (also `kubectl faultline`) as a library: runCli
// takes the arguments and where to write, and returns the exit code.
export { runCli } from "./cli.js";
export type { CliIo } from "./cli-io.js";
