#!/usr/bin/env node
// The faultline-manager binary: the manager with every built-in chaos kind.
import "./node-version-guard.js";
import { builtInChaosKinds } from "@faultline/chaos";
import { runManagerProcess } from "./run-manager.js";

runManagerProcess({ kinds: builtInChaosKinds });
