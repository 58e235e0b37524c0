import { ExecStressRequest_Scope, ExecStressRequestSchema, parseContainerRecordId, type ExecStressRequest, type NodeCapabilities, type PlannedStep } from "@faultline/api";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { KindLog } from "@faultline/chaos-kind";
import type { ChaosImpl } from "@faultline/impl-registry";
import { RecordDecodeError, type RecordDecoder } from "@faultline/daemon-client";
import { heldRecordKeyOf, lostByHeldKeys, parseHeldContainerRecordKey, sweepHeldKeys } from "../held-injections/index.js";
import { commandsOrRefusal, hostPidOf, reachForPlan, requestJson } from "../record-plan/record-plan.js";
import type { StressChaos } from "./stress-chaos-crd.js";
import { checkStressRequest, stressNgArgs } from "./stress-chaos-daemon.js";
import { stressRequestOf } from "./stress-request.js";
import { defaultStressorLauncher, stressorCommand, stressorLauncherArgv, stressorStdinArgs } from "./stressor-processes.js";

/** Whether a node's daemon can run StressChaos, from its GetNodeCapabilities: it must be able to run stress-ng. */
export function stressNodeCapability(caps: NodeCapabilities): { capable: boolean; reason?: string } {
  return caps.stressNg ? { capable: true } : { capable: false, reason: "lacks stress-ng (the daemon cannot run it)" };
}

/** The ExecStressors request apply sends for one record (and the plan shows): the spec's stressors, the record key, in the container's namespaces. */
export function execStressRequestOf(obj: StressChaos, recordId: string, containerId: string, namespacedName: string): MessageInitShape<typeof ExecStressRequestSchema> {
  return {
    scope: ExecStressRequest_Scope.CONTAINER,
    target: containerId,
    enterNs: true,
    ...stressRequestOf(obj.spec),
    recordKey: heldRecordKeyOf(obj, recordId, namespacedName),
  };
}

// a size taken from the container's memory limit (or the node's memory) is only known on the node
const wholeUnknown = 2 ** 50;

/**
 * The commands the daemon runs for an ExecStressors request, one per stressor part, from its own
 * builders (`checkStressRequest`, `stressNgArgs`, `stressorCommand`): what xargs executes once the
 * stressor's arguments are written to it. Throws (a ConnectError, as the daemon would answer) for
 * a request the daemon refuses.
 */
export function stressorArgvOf(req: ExecStressRequest): string[][] {
  const wanted = checkStressRequest(req);
  const args = stressNgArgs(wanted, wholeUnknown);
  const size = wanted.memory?.size ?? "100%";
  if (args.memory && size.endsWith("%")) {
    const at = args.memory.indexOf("--vm-bytes") + 1;
    args.memory[at] = `<${size} of the container's memory limit, else of the node's memory>`;
  }
  return (["cpu", "memory"] as const).flatMap((part) => {
    const partArgs = args[part];
    if (!partArgs) return [];
    const command = stressorCommand(defaultStressorLauncher, hostPidOf(req.target), part === "memory" ? req.oomScoreAdj : 0);
    return [[...command, ...stressorStdinArgs("<the stressor's own tmpfs>", partArgs)]];
  });
}

/**
 * The manager side of StressChaos. Apply sends ExecStressors for the record's container to its
 * node's daemon, with Chaos Mesh's argument strings (`stressRequestOf`) and the record key
 * (`stressRecordKey`: the object's uid and the record id). Recover sends CancelStressors with that
 * key. The key is all the state there is, and it is derived, never stored: the daemon finds the
 * record's stressors by it (the processes carry it), so a restarted manager recovers what an
 * earlier one injected, an Apply retried after a lost status write starts nothing twice, and no
 * `status.instances` map grows with the records. A container that is gone or not running has no
 * stressors left (they lived in its pid namespace): recovered.
 *
 * `sweep` asks the daemon of every node that runs pods (ListStressors) which record keys have
 * stressors running, stops (CancelStressors by key) those whose StressChaos is gone or no longer
 * holds the record, and renews the lease of the others (RenewStressorLeases): a stressor no
 * manager confirms within the daemon's `--injection-lease-seconds` is stopped by the daemon.
 *
 * `lostInjections` asks the daemons of a running StressChaos's Injected records (ListStressors)
 * whether each record's stressors still run, so the pipeline starts again those a lease stopped (a
 * manager away longer than the lease) or a restarted container took with it; a record is never
 * left Injected with nothing running. stress-ng told to end by itself (`--timeout`, `-t`,
 * `--<stressor>-ops`) is done when it ends, not lost.
 */
export function stressChaosManager(deps: { decoder: RecordDecoder; log: KindLog }): ChaosImpl<StressChaos> {
  return {
    async apply(ctx, index, records, obj) {
      const record = records[index]!;
      const fields = stressRequestOf(obj.spec);
      deps.log("Apply StressChaos", { id: record.id, chaos: ctx.namespacedName, ...fields });
      const target = await deps.decoder.decodeContainer(record.id, obj);
      const started = await target.daemon.execStressors(execStressRequestOf(obj, record.id, target.containerId, ctx.namespacedName), { signal: ctx.signal });
      deps.log("StressChaos injected", { id: record.id, chaos: ctx.namespacedName, cpuInstance: started.cpuInstance, memoryInstance: started.memoryInstance });
      return "Injected";
    },
    async plan(ctx, index, records, obj) {
      const record = records[index]!;
      const reached = await reachForPlan(
        ctx,
        () => deps.decoder.decodeContainer(record.id, obj),
        (target, signal) => target.daemon.getNodeCapabilities({}, { signal }),
      );
      if (reached.plan) return reached.plan;
      const { target, caps } = reached;
      const init = execStressRequestOf(obj, record.id, target.containerId, ctx.namespacedName);
      const built = commandsOrRefusal(target.nodeName, "ExecStressors", () => stressorArgvOf(create(ExecStressRequestSchema, init)));
      const step: PlannedStep = {
        on: "daemon",
        rpc: "ExecStressors",
        request: requestJson(ExecStressRequestSchema, init),
        ...(built.commands && { argv: built.commands }),
        note: `each stressor: ${stressorLauncherArgv(defaultStressorLauncher, ["…"]).join(" ")} is moved into the container's cgroups, then handed the arguments after stress-ng on its stdin (checked first with stress-ng --dry-run)`,
      };
      const capability = stressNodeCapability(caps);
      const reason = built.refusal ?? (capability.capable ? undefined : `node ${target.nodeName} ${capability.reason}`);
      return { capable: reason === undefined, ...(reason !== undefined && { reason }), steps: [step] };
    },
    async recover(ctx, index, records, obj) {
      const record = records[index]!;
      deps.log("Recover StressChaos", { id: record.id, chaos: ctx.namespacedName });
      let target;
      try {
        target = await deps.decoder.decodeContainer(record.id, obj);
      } catch (err) {
        if (err instanceof RecordDecodeError) {
          deps.log("StressChaos target gone: nothing left to stop", { id: record.id, chaos: ctx.namespacedName, reason: err.reason });
          return "Not Injected";
        }
        throw err;
      }
      await target.daemon.cancelStressors({ recordKey: heldRecordKeyOf(obj, record.id, ctx.namespacedName) }, { signal: ctx.signal });
      return "Not Injected";
    },
    lostInjections: async (ctx, records, obj) => {
      const fields = stressRequestOf(obj.spec);
      // stress-ng told to end by itself (--timeout, --<stressor>-ops) is done, not lost
      if (endsOnItsOwn(fields)) return [];
      const parts = [...(fields.cpuStressors ? ["cpu"] : []), ...(fields.memoryStressors ? ["memory"] : [])];
      return lostByHeldKeys({
        ctx,
        records,
        decode: (recordId) => deps.decoder.decodeContainer(recordId, obj),
        // every part of the record's stressors must still run
        keysOf: (recordId) => parts.map((part) => `${heldRecordKeyOf(obj, recordId, ctx.namespacedName)} ${part}`),
        listKeys: async (daemon, signal) => (await daemon.listStressors({}, { signal })).stressors.map((s) => `${s.recordKey} ${s.part}`),
        log: deps.log,
        kind: "StressChaos",
      });
    },
    sweep: (ctx) =>
      sweepHeldKeys({
        ctx,
        kind: "StressChaos",
        listRpc: "ListStressors",
        // the markers first, the question after: a StressChaos writes its records before it starts stressors
        list: async (daemon, signal) => {
          const partsByKey = new Map<string, string[]>();
          for (const s of (await daemon.listStressors({}, { signal })).stressors) partsByKey.set(s.recordKey, [...(partsByKey.get(s.recordKey) ?? []), s.part]);
          return [...partsByKey].map(([key, parts]) => ({ key, injection: parts }));
        },
        parseKey: parseStressRecordKey,
        recover: async (daemon, { key }, signal) => {
          await daemon.cancelStressors({ recordKey: key }, { signal });
        },
        describe: (recordId, { injection: parts }) => {
          const { namespace, podName, containerName } = parseContainerRecordId(recordId);
          return { pod: { namespace, name: podName }, what: `${[...parts].sort().join(" and ")} stressor(s) in container ${containerName}`, fields: { parts } };
        },
        // a stressor no manager confirms within the daemon's lease is stopped by the daemon
        afterNode: async (daemon, stillHeld, node) => {
          try {
            await daemon.renewStressorLeases({ recordKeys: stillHeld }, { signal: ctx.signal });
          } catch (err) {
            ctx.log("StressChaos sweep could not renew stressor leases: tried again at the next pass", { node, keys: stillHeld.length, error: (err as Error).message });
          }
        },
      }),
  };
}

/** The StressChaos uid and container record id of a record key (`stressRecordKey`), or undefined for any other shape. */
export const parseStressRecordKey = parseHeldContainerRecordKey;

/** Whether stress-ng was told to end by itself: `--timeout`/`-t`, or a bogo-operation count (`--cpu-ops`, …). */
export function endsOnItsOwn(fields: { cpuStressors: string; memoryStressors: string }): boolean {
  return /(^|\s)(--timeout|-t|--[a-z0-9-]+-ops)(?=[\s=]|$)/.test(`${fields.cpuStressors} ${fields.memoryStressors}`);
}
