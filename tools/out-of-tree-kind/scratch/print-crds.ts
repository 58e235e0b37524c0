#!/usr/bin/env node
// Prints this team's CRDs as YAML, for `kubectl apply -f -`.
import { renderYaml } from "@faultline/api";
import { pidProbeChaosCrd } from "./pid-probe-chaos.js";

process.stdout.write(`---\n${renderYaml(pidProbeChaosCrd)}`);
