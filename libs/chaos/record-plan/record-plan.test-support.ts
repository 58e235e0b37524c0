// Test support for the kinds' plan specs: the experiment's uid, pods on two nodes, records not yet
// injected, and a kind's manager over in-memory daemons that record the one RPC apply sends, so a
// spec compares what a plan shows with what apply really sends.
import { toJson, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { ChaosDaemon, NodeCapabilitiesSchema, type Record } from "@faultline/api";
import { createInMemoryDaemonClientPool, createRecordDecoder, type RecordDecoder } from "@faultline/daemon-client";
import type { ChaosImpl, ChaosObject, RecordPlan } from "@faultline/impl-registry";
import { createInMemoryPodSource } from "@faultline/selector";
import type { V1Pod } from "@kubernetes/client-node";

/** The uid of the plan specs' experiment `app/example`. */
export const planUid = "11111111-2222-3333-4444-555555555555";

/** A containerd container id of 64 times `c`. */
export const cid = (c: string) => "containerd://" + c.repeat(64);

/** Pod `app/<name>` on `nodeName` with one container `main`, started as `containerID` (not started without one). */
export function planPod(name: string, nodeName: string, containerID: string | undefined, options: { hostNetwork?: boolean; image?: string } = {}): V1Pod {
  const { hostNetwork = false, image = "busybox" } = options;
  return {
    metadata: { namespace: "app", name, uid: `uid-${name}` },
    spec: { nodeName, containers: [{ name: "main" }], ...(hostNetwork && { hostNetwork }) },
    status: containerID ? { containerStatuses: [{ name: "main", containerID, image, imageID: "", ready: true, restartCount: 0 }] } : {},
  };
}

/** The context apply and plan get for the experiment `app/example`. */
export const planCtx = () => ({ signal: new AbortController().signal, namespacedName: "app/example" });

/** Records of these ids, none injected yet. */
export function notInjectedRecords(ids: readonly string[]): Record[] {
  return ids.map((id) => ({ id, selectorKey: ".", phase: "Not Injected", injectedCount: 0, recoveredCount: 0 }));
}

/**
 * A record decoder over `pods` and in-memory daemons on node-1 and node-2: each answers
 * GetNodeCapabilities with `capabilities(node)` and `rpc` (the kind's apply RPC) by pushing the
 * request, as `toJson` of `schema`, to `sent`.
 */
export function recordingDecoder(
  pods: V1Pod[],
  capabilities: (node: string) => MessageInitShape<typeof NodeCapabilitiesSchema>,
  rpc: keyof ServiceImpl<typeof ChaosDaemon>,
  schema: DescMessage,
): { decoder: RecordDecoder; sent: unknown[] } {
  const sent: unknown[] = [];
  const daemonOf = (node: string) =>
    createInMemoryDaemonClientPool({
      async getNodeCapabilities() {
        return capabilities(node);
      },
      async [rpc](req: Parameters<typeof toJson>[1]) {
        sent.push(toJson(schema, req));
        return {};
      },
    } as Partial<ServiceImpl<typeof ChaosDaemon>>);
  const pools = { "node-1": daemonOf("node-1"), "node-2": daemonOf("node-2") };
  const daemons = { clientFor: (node: string, nn: string) => pools[node as keyof typeof pools].clientFor(node, nn), size: () => 2, close: () => undefined };
  return { decoder: createRecordDecoder({ pods: createInMemoryPodSource({ pods }), daemons }), sent };
}

/** A kind's manager over {@link recordingDecoder}'s daemons, and what they were sent. */
export interface RecordingManager<T extends ChaosObject> {
  impl: Pick<ChaosImpl<T>, "apply"> & Required<Pick<ChaosImpl<T>, "plan">>;
  sent: unknown[];
}

/**
 * A setup for a kind's plan spec: each call gives the manager `manager` makes of a fresh
 * {@link recordingDecoder} (same arguments) and the requests its daemons were sent.
 */
export function recordingManager<T extends ChaosObject>(
  pods: V1Pod[],
  capabilities: (node: string) => MessageInitShape<typeof NodeCapabilitiesSchema>,
  rpc: keyof ServiceImpl<typeof ChaosDaemon>,
  schema: DescMessage,
  manager: (decoder: RecordDecoder) => RecordingManager<T>["impl"],
): () => RecordingManager<T> {
  return () => {
    const { decoder, sent } = recordingDecoder(pods, capabilities, rpc, schema);
    return { impl: manager(decoder), sent };
  };
}

/** The plan of record `index` of `obj`, made while nothing is sent, then that record applied: the plan, and `sent` with apply's request to compare. */
export async function planThenApply<T extends ChaosObject>({ impl, sent }: RecordingManager<T>, index: number, records: readonly Record[], obj: T): Promise<{ plan: RecordPlan; sent: unknown[] }> {
  const plan = await impl.plan(planCtx(), index, records, obj);
  expect(sent).toEqual([]);
  await impl.apply(planCtx(), index, records, obj);
  return { plan, sent };
}
