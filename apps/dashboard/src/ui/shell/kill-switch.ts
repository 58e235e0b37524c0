// The kill switch as the header shows it (killswitch/cluster, cluster-scoped): its state in words,
// and the request that engages or disengages it (created when absent, merge-patched otherwise,
// as `faultline stop --all` does). Pure.
import { collectionPath, objectPath } from "../kube/kube-paths.js";
import { killSwitchApiVersion, killSwitchKind, killSwitchName, killSwitchResource, type KillSwitch } from "@faultline/api";

export const killSwitchesPath = collectionPath(killSwitchResource);
export const killSwitchPath = objectPath(killSwitchResource, undefined, killSwitchName);

export interface KillSwitchView {
  engaged: boolean;
  /** The state in words (never colour alone). */
  text: string;
  /** The header button: what pressing it does. */
  action: "Stop all experiments" | "Resume all experiments";
}

/** The state of the switch (absent = off). */
export function killSwitchView(ks: KillSwitch | undefined): KillSwitchView {
  if (ks?.spec?.engaged !== true) return { engaged: false, text: "Kill switch off: experiments run", action: "Stop all experiments" };
  const by = ks.spec.engagedBy ? ` by ${ks.spec.engagedBy}` : "";
  const why = ks.spec.reason ? ` (${ks.spec.reason})` : "";
  const seen = ks.status?.observedGeneration !== undefined && ks.metadata.generation !== undefined && ks.status.observedGeneration >= ks.metadata.generation;
  const recovered = ks.status?.conditions?.find((c) => c.type === "AllRecovered")?.status === "True";
  const progress = !seen ? "waiting for the manager" : recovered && (ks.status?.activeRecords ?? 0) === 0 ? "every record recovered" : `${ks.status?.activeRecords ?? "some"} records still injected`;
  return { engaged: true, text: `All experiments stopped${by}${why}: ${progress}`, action: "Resume all experiments" };
}

/** The request that sets the switch to `engaged`. */
export function killSwitchRequest(current: KillSwitch | undefined, engaged: boolean, reason: string, user: string | undefined): { method: "POST" | "PATCH"; path: string; body: unknown; contentType: string } {
  const why = reason.trim().slice(0, 256);
  if (current === undefined) {
    return {
      method: "POST",
      path: killSwitchesPath,
      contentType: "application/json",
      body: { apiVersion: killSwitchApiVersion, kind: killSwitchKind, metadata: { name: killSwitchName }, spec: { engaged, ...(why ? { reason: why } : {}), ...(engaged && user ? { engagedBy: user.slice(0, 256) } : {}) } },
    };
  }
  const spec = engaged ? { engaged, reason: why || null, engagedBy: user ? user.slice(0, 256) : null } : { engaged };
  return { method: "PATCH", path: killSwitchPath, contentType: "application/merge-patch+json", body: { spec } };
}
