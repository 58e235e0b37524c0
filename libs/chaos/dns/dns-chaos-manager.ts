import type { KindLog } from "@faultline/chaos-kind";
import type { RecordDecoder } from "@faultline/daemon-client";
import type { ChaosImpl } from "@faultline/impl-registry";
import type { DNSChaos, DNSChaosSpec } from "./dns-chaos-crd.js";

/** The spec's own fields, as ExecDNSChaos and RecoverDNSChaos carry them to the daemon. */
function requestFieldsOf(spec: DNSChaosSpec) {
  return { action: spec.action, patterns: spec.patterns };
}

/**
 * The manager side of DNSChaos: Apply asks the daemon on the record's node to run ExecDNSChaos
 * in the record's container, with the spec's own fields.
 * Recover asks the same daemon to run RecoverDNSChaos, which removes what ExecDNSChaos left
 * (`dnsRecoverCommand` in dns-chaos-daemon.ts). A target that is gone — its pod deleted, or a
 * container its daemon answers NotFound for — counts as recovered: the records pipeline treats
 * both errors that way, since nothing of the fault survives in it.
 * The experiment lasts `spec.duration` (until it is deleted when unset), then every record is recovered.
 */
export function dnsChaosManager(deps: { decoder: RecordDecoder; log: KindLog }): ChaosImpl<DNSChaos> {
  // the record's container, and the daemon client for its node
  const targetOf = async (recordId: string, obj: DNSChaos) => {
    const target = await deps.decoder.decodeContainer(recordId, obj);
    return { daemon: target.daemon, containerId: target.containerId };
  };
  return {
    async apply(ctx, index, records, obj) {
      const record = records[index]!;
      deps.log("Apply DNSChaos", { id: record.id, chaos: ctx.namespacedName });
      const { daemon, containerId } = await targetOf(record.id, obj);
      await daemon.execDNSChaos({ containerId, ...requestFieldsOf(obj.spec), recordKey: `${obj.metadata?.uid ?? ""}/${record.id}` }, { signal: ctx.signal });
      return "Injected";
    },
    async recover(ctx, index, records, obj) {
      const record = records[index]!;
      deps.log("Recover DNSChaos", { id: record.id, chaos: ctx.namespacedName });
      const { daemon, containerId } = await targetOf(record.id, obj);
      await daemon.recoverDNSChaos({ containerId, recordKey: `${obj.metadata?.uid ?? ""}/${record.id}` }, { signal: ctx.signal });
      return "Not Injected";
    },
  };
}
