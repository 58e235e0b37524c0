#!/usr/bin/env node
// A custom daemon: the built-in kinds' RPCs plus this team's kinds' (PidProbeChaos needs none of its own).
import { builtInChaosKinds } from "@faultline/chaos";
import { runDaemonProcess } from "@faultline/daemon";
import { pidProbeChaos } from "./pid-probe-chaos.js";

runDaemonProcess({ kinds: [...builtInChaosKinds, pidProbeChaos] });
