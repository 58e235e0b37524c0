import { Code, ConnectError } from "@connectrpc/connect";
import { ExecStressRequest_Scope, parseContainerRecordId } from "@faultline/api";
import type { KindLog } from "@faultline/chaos-kind";
import type { ChaosImpl, SweptInjection } from "@faultline/impl-registry";
import { DaemonNotFoundError, RecordDecodeError, type DecodedContainer, type RecordDecoder } from "@faultline/daemon-client";
import type { StressChaos } from "./stress-chaos-crd.js";
import { stressRecordKey, stressRequestOf } from "./stress-request.js";

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
  const keyOf = (obj: StressChaos, recordId: string, namespacedName: string) => stressRecordKey(obj.metadata.uid ?? namespacedName, recordId);
  return {
    async apply(ctx, index, records, obj) {
      const record = records[index]!;
      const fields = stressRequestOf(obj.spec);
      deps.log("Apply StressChaos", { id: record.id, chaos: ctx.namespacedName, ...fields });
      const target = await deps.decoder.decodeContainer(record.id, obj);
      const started = await target.daemon.execStressors(
        { scope: ExecStressRequest_Scope.CONTAINER, target: target.containerId, enterNs: true, ...fields, recordKey: keyOf(obj, record.id, ctx.namespacedName) },
        { signal: ctx.signal },
      );
      deps.log("StressChaos injected", { id: record.id, chaos: ctx.namespacedName, cpuInstance: started.cpuInstance, memoryInstance: started.memoryInstance });
      return "Injected";
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
      await target.daemon.cancelStressors({ recordKey: keyOf(obj, record.id, ctx.namespacedName) }, { signal: ctx.signal });
      return "Not Injected";
    },
    async lostInjections(ctx, records, obj) {
      const fields = stressRequestOf(obj.spec);
      // stress-ng told to end by itself (--timeout, --<stressor>-ops) is done, not lost
      if (endsOnItsOwn(fields)) return [];
      const parts = [...(fields.cpuStressors ? ["cpu"] : []), ...(fields.memoryStressors ? ["memory"] : [])];
      const byNode = new Map<string, { daemon: DecodedContainer["daemon"]; indexes: number[] }>();
      for (const [index, record] of records.entries()) {
        if (record.phase !== "Injected") continue;
        let target;
        try {
          target = await deps.decoder.decodeContainer(record.id, obj);
        } catch (err) {
          if (err instanceof RecordDecodeError) continue; // gone or not running: nothing to start again now
          throw err;
        }
        const node = target.pod.spec?.nodeName ?? "";
        const entry = byNode.get(node) ?? { daemon: target.daemon, indexes: [] };
        entry.indexes.push(index);
        byNode.set(node, entry);
      }
      const lost: number[] = [];
      for (const [node, { daemon, indexes }] of byNode) {
        let listed;
        try {
          listed = await daemon.listStressors({}, { signal: ctx.signal });
        } catch (err) {
          if (err instanceof ConnectError && err.code === Code.Unimplemented) continue; // an older daemon: cannot tell
          throw err;
        }
        const running = new Set(listed.stressors.map((s) => `${s.recordKey} ${s.part}`));
        for (const index of indexes) {
          const key = keyOf(obj, records[index]!.id, ctx.namespacedName);
          if (parts.some((part) => !running.has(`${key} ${part}`))) lost.push(index);
        }
        if (lost.length > 0) deps.log("StressChaos stressors gone while Injected: starting them again", { chaos: ctx.namespacedName, node, records: lost.length });
      }
      return lost;
    },
    async sweep(ctx) {
      const swept: SweptInjection[] = [];
      const nodes = new Set((await ctx.listPods()).map((p) => p.spec?.nodeName).filter((n): n is string => Boolean(n)));
      const seen = new Set<string>(); // daemons reached under several node names list the same stressors
      for (const node of [...nodes].sort()) {
        if (ctx.signal.aborted) break;
        let listed;
        let daemon;
        try {
          daemon = await ctx.daemons.clientFor(node, "faultline/sweep");
          // the markers first, the question after: a StressChaos writes its records before it starts stressors
          listed = await daemon.listStressors({}, { signal: ctx.signal });
        } catch (err) {
          if (err instanceof DaemonNotFoundError) continue;
          const why = err instanceof ConnectError && err.code === Code.Unimplemented ? "its daemon does not serve ListStressors (an older daemon)" : (err as Error).message;
          ctx.log("StressChaos sweep skipped a node: tried again at the next pass", { node, error: why });
          continue;
        }
        const confirmed: string[] = [];
        const byKey = new Map<string, string[]>();
        for (const s of listed.stressors) byKey.set(s.recordKey, [...(byKey.get(s.recordKey) ?? []), s.part]);
        for (const [key, parts] of byKey) {
          if (seen.has(key)) continue;
          seen.add(key);
          const owner = parseStressRecordKey(key);
          if (!owner) continue; // not a key this manager makes: not ours to judge
          if (await ctx.holds({ uid: owner.uid }, owner.recordId)) {
            confirmed.push(key);
            continue;
          }
          try {
            await daemon.cancelStressors({ recordKey: key }, { signal: ctx.signal });
          } catch (err) {
            ctx.log("StressChaos sweep could not stop a stressor: tried again at the next pass", { node, recordKey: key, error: (err as Error).message });
            continue;
          }
          const { namespace, podName, containerName } = parseContainerRecordId(owner.recordId);
          ctx.log("StressChaos swept", { node, recordKey: key, parts });
          swept.push({ pod: { namespace, name: podName }, owner: { uid: owner.uid }, what: `${parts.sort().join(" and ")} stressor(s) in container ${containerName}` });
        }
        if (confirmed.length > 0) {
          try {
            await daemon.renewStressorLeases({ recordKeys: confirmed }, { signal: ctx.signal });
          } catch (err) {
            ctx.log("StressChaos sweep could not renew stressor leases: tried again at the next pass", { node, keys: confirmed.length, error: (err as Error).message });
          }
        }
      }
      return swept;
    },
  };
}

/** The StressChaos uid and container record id of a record key (`stressRecordKey`), or undefined for any other shape. */
export function parseStressRecordKey(key: string): { uid: string; recordId: string } | undefined {
  const slash = key.indexOf("/");
  if (slash <= 0) return undefined;
  const uid = key.slice(0, slash);
  const recordId = key.slice(slash + 1);
  if (!/^[0-9a-f-]{36}$/.test(uid)) return undefined; // a Kubernetes uid; the "ns/name" fallback of an object without one is not swept
  try {
    parseContainerRecordId(recordId);
  } catch {
    return undefined;
  }
  return { uid, recordId };
}

/** Whether stress-ng was told to end by itself: `--timeout`/`-t`, or a bogo-operation count (`--cpu-ops`, …). */
export function endsOnItsOwn(fields: { cpuStressors: string; memoryStressors: string }): boolean {
  return /(^|\s)(--timeout|-t|--[a-z0-9-]+-ops)(?=[\s=]|$)/.test(`${fields.cpuStressors} ${fields.memoryStressors}`);
}
