// Reading status.json of the manager's ConfigMap `faultline-status`: pure (no Kubernetes client),
// so doctor, recover --orphans and the dashboard (`@faultline/cli/faultline-status-parse`) read it
// the same way.
import { faultlineStatusConfigMap, faultlineStatusKey, type FaultlineStatus } from "@faultline/api";
import { CliError } from "./cli-io.js";

/** What the parse reads of the ConfigMap. */
export interface StatusConfigMap {
  data?: { [k: string]: string };
}

/** status.json of the ConfigMap, parsed (an error naming the ConfigMap and the key when it is missing, not JSON, or has no nodes list). */
export function parseStatusConfigMap(cm: StatusConfigMap, namespace: string): FaultlineStatus {
  const where = `ConfigMap ${namespace}/${faultlineStatusConfigMap}`;
  const text = cm.data?.[faultlineStatusKey];
  if (text === undefined) throw new CliError(`${where} has no ${faultlineStatusKey} yet: the manager has not published its status`);
  let status: FaultlineStatus;
  try {
    status = JSON.parse(text) as FaultlineStatus;
  } catch (err) {
    throw new CliError(`${where}: ${faultlineStatusKey} is not JSON: ${(err as Error).message}`);
  }
  if (typeof status !== "object" || status === null || !Array.isArray(status.nodes)) throw new CliError(`${where}: ${faultlineStatusKey} has no nodes list`);
  return status;
}
