// The manager's Kubernetes API clients: every one rate-limited by one shared token bucket.
import { TokenBucket, makeRateLimitedApiClient, type Logger } from "@faultline/controller";
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import type { Registry } from "prom-client";
import type { ManagerConfig } from "./manager-config.js";

/** A client rate limit: the shared bucket's `qps` and `burst`. */
export interface ClientRate {
  qps: number;
  burst: number;
}

/**
 * The shared bucket's two rates: `normal` (`--qps` / `--burst`), and `killSwitch`
 * (`--kill-switch-qps` / `--kill-switch-burst`, never below the normal one) for an engaged kill
 * switch until every record is recovered: an emergency stop gets its own budget, for that time only.
 */
export function clientRates(config: Pick<ManagerConfig, "qps" | "burst" | "killSwitchQps" | "killSwitchBurst">): { normal: ClientRate; killSwitch: ClientRate } {
  return {
    normal: { qps: config.qps, burst: config.burst },
    killSwitch: { qps: Math.max(config.qps, config.killSwitchQps), burst: Math.max(config.burst, config.killSwitchBurst) },
  };
}

/** The clients and the QPS/burst budget they share (watches and the Lease draw from it too). */
export interface ManagerClients {
  bucket: TokenBucket;
  /** A client of `apiClass` under the shared budget, its requests counted in `registry`. */
  api<T>(apiClass: new (...args: never[]) => T): T;
  core: CoreV1Api;
  customObjects: CustomObjectsApi;
}

/** Clients sharing `--qps` / `--burst`, counted as `rest_client_requests_total` in `registry`. */
export function createManagerClients(kubeConfig: KubeConfig, config: Pick<ManagerConfig, "qps" | "burst">, registry: Registry): ManagerClients {
  const bucket = new TokenBucket({ qps: config.qps, burst: config.burst });
  const api = <T>(apiClass: new (...args: never[]) => T) => makeRateLimitedApiClient(kubeConfig, apiClass as never, bucket, { registry }) as T;
  return { bucket, api, core: api(CoreV1Api), customObjects: api(CustomObjectsApi) };
}

/**
 * What the kill switch's `onRecovering` calls: the shared bucket at the kill-switch rate while the
 * switch is engaged with records still to recover, at the normal rate otherwise (waiting calls are
 * served at the new rate at once), each change logged.
 */
export function killSwitchRateSetter(bucket: TokenBucket, config: Pick<ManagerConfig, "qps" | "burst" | "killSwitchQps" | "killSwitchBurst">, logger: Logger): (recovering: boolean) => void {
  const rates = clientRates(config);
  return (recovering) => {
    const rate = recovering ? rates.killSwitch : rates.normal;
    bucket.setRate(rate);
    logger.info(recovering ? "kill switch: client rate limit raised until every record is recovered" : "kill switch: client rate limit back to normal", { ...rate });
  };
}
