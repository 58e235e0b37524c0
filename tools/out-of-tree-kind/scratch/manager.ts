#!/usr/bin/env node
// A custom manager: Faultline's built-in kinds plus this team's own.
import { builtInChaosKinds } from "@faultline/chaos";
import { runManagerProcess } from "@faultline/manager";
import { pidProbeChaos } from "./pid-probe-chaos.js";

runManagerProcess({ kinds: [...builtInChaosKinds, pidProbeChaos] });
