// Test support: a daemon server with only the HTTPChaos handlers (see
// `../pod-netns-process/pod-netns-daemon.test-support.ts`).
import { startPodNetnsTestDaemon, type PodNetnsTestDaemon } from "../pod-netns-process/pod-netns-daemon.test-support.js";
import { createHttpChaosDaemon, type HttpChaosDaemon, type HttpChaosDaemonOptions } from "./http-chaos-daemon.js";

export type HTTPChaosTestDaemon = PodNetnsTestDaemon<HttpChaosDaemon>;

/** A daemon with only HTTPChaos's handlers; its state in a directory of its own unless told (the same directory again: the first daemon restarted). */
export const startHTTPChaosTestDaemon = (options: HttpChaosDaemonOptions = {}): Promise<HTTPChaosTestDaemon> => startPodNetnsTestDaemon("HTTPChaos", createHttpChaosDaemon, options);
