#!/usr/bin/env node
// The `faultline` and `kubectl-faultline` binaries: the version guard first (the Kubernetes client's
// undici needs Node.js 22.19 and dies deep inside on an older one), then the CLI.
import { requireNodeVersion } from "@faultline/api/node-version";

requireNodeVersion("faultline", "22.19.0");
const { runCli, processIo } = await import("../cli.js");
process.exitCode = await runCli(process.argv.slice(2), processIo());
