// What the specs build kinds from: a CRD made the way kinds make theirs, and the manager's deps in
// memory (no pods, no daemons: the specs' impls do not reach them).
import { Type } from "@sinclair/typebox";
import { containerSelectorFields, defineChaosCrd } from "@faultline/api";
import { createInMemoryDaemonClientPool, createRecordDecoder } from "@faultline/daemon-client";
import { createInMemoryPodSource } from "@faultline/selector";
import { offlineKubeConfig } from "@faultline/test-ground";
import { CoreV1Api } from "@kubernetes/client-node";
import type { ManagerKindDeps } from "../chaos-kind.js";

/** The CRD of a container-selector kind named `kind`. */
export const testCrd = (kind: string) => defineChaosCrd({ kind, description: `${kind} does nothing.`, spec: Type.Object(containerSelectorFields) });

/** ManagerKindDeps over an empty in-memory pod source and daemon pool; `core` is never called. */
export function testDeps(): ManagerKindDeps {
  const pods = createInMemoryPodSource({ pods: [] });
  return {
    decoder: createRecordDecoder({ pods, daemons: createInMemoryDaemonClientPool({}) }),
    pods,
    core: offlineKubeConfig().makeApiClient(CoreV1Api),
    log: () => {},
    settings: {},
  };
}
