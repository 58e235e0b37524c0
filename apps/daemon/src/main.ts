#!/usr/bin/env node
// The faultline-daemon binary: the daemon with every built-in chaos kind's RPCs.
import "./node-version-guard.js";
import { builtInChaosKinds } from "@faultline/chaos";
import { runDaemonProcess } from "./run-daemon.js";

runDaemonProcess({ kinds: builtInChaosKinds });
