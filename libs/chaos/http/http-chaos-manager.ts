import { Code, ConnectError } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { ExecHTTPChaosRequestSchema, parsePodRecordId, type NodeCapabilities } from "@faultline/api";
import type { KindEvent, KindLog } from "@faultline/chaos-kind";
import { containerIdOf, createNodeCapabilitiesCache, type DecodedPod, type RecordDecoder } from "@faultline/daemon-client";
import { nodeCapabilityFlags } from "@faultline/daemon-server";
import type { ChaosImpl } from "@faultline/impl-registry";
import { heldRecordKeyOf, lostByHeldKeys, recoverHeldRecord, parseHeldPodRecordKey, sweepHeldKeys } from "../held-injections/index.js";
import type { CoreV1Api, V1Pod, V1Secret } from "@kubernetes/client-node";
import { decodeForPlan, oneDaemonStepPlan, reachForPlan, requestJson } from "../record-plan/record-plan.js";
import type { HTTPChaos, HTTPChaosSpec, HTTPChaosTarget } from "./http-chaos-crd.js";
import { execHTTPChaosCommands } from "./http-chaos-plan.js";

/**
 * The node capability the interception needs (iptables with the nat table's REDIRECT target, in
 * the pod's PREROUTING: the proxy's own connections to the server are local and never pass there),
 * as GetNodeCapabilities' flags name it (`nodeCapabilityFlags`, `httpInterceptionCapable`).
 */
export const httpInterceptionCapability = "http/interception";

/** Chaos Mesh's Secret keys when `tls.certName` / `tls.keyName` are absent: a `kubernetes.io/tls` Secret's. */
export const defaultTlsCertName = "tls.crt";
export const defaultTlsKeyName = "tls.key";

/**
 * One rule as the daemon takes it: Chaos Mesh's PodHttpChaos rule shape (JSON names as Chaos Mesh's,
 * absent fields left out).
 */
export interface HTTPChaosRule {
  target: HTTPChaosTarget;
  selector: {
    port: number;
    path?: string;
    method?: string;
    code?: number;
    request_headers?: { [name: string]: string };
    response_headers?: { [name: string]: string };
  };
  actions: {
    abort?: boolean;
    delay?: string;
    replace?: NonNullable<HTTPChaosSpec["replace"]>;
    patch?: NonNullable<HTTPChaosSpec["patch"]>;
  };
  /** `<namespace>/<name>` of the HTTPChaos, as Chaos Mesh's manager sets it. */
  source: string;
  port: number;
}

/** The TLS material ExecHTTPChaos carries: the PEMs read from the Secret (JSON `{cert, key, ca?}`). */
export interface HTTPChaosTls {
  cert: string;
  key: string;
  ca?: string;
}

const defined = <T extends object>(fields: T): T => Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as T;

/**
 * The rules ExecHTTPChaos carries for an HTTPChaos: one rule, Chaos Mesh's shape, from the spec
 * (its selector fields under `selector`, its actions under `actions`, `source` the object's
 * `<namespace>/<name>`). `abort: false` is no action and is left out.
 */
export function httpRulesOf(spec: HTTPChaosSpec, source: string): HTTPChaosRule[] {
  const selector = defined({
    port: spec.port,
    path: spec.path,
    method: spec.method,
    code: spec.code,
    request_headers: spec.request_headers,
    response_headers: spec.response_headers,
  });
  const actions = defined({ abort: spec.abort === true ? true : undefined, delay: spec.delay, replace: spec.replace, patch: spec.patch });
  return [{ target: spec.target, selector, actions, source, port: spec.port }];
}

/**
 * ExecHTTPChaos's request for a record's pod, as apply sends it: the spec's rules (`httpRulesOf`,
 * their source the object's namespace/name) as JSON, the record key (`heldRecordKey`: the object's
 * uid, else its namespaced name, and the record id), the TLS material as JSON or "".
 */
export function execHTTPChaosRequestOf(obj: HTTPChaos, recordId: string, namespacedName: string, containerId: string, tls: string): MessageInitShape<typeof ExecHTTPChaosRequestSchema> {
  const namespace = obj.metadata.namespace ?? namespacedName.split("/")[0]!;
  return { containerId, recordKey: heldRecordKeyOf(obj, recordId, namespacedName), rules: JSON.stringify(httpRulesOf(obj.spec, `${namespace}/${obj.metadata.name}`)), tls };
}

/** Thrown when `tls` names a Secret, or a key in it, that is not there; nothing was sent. */
export class HTTPChaosTlsError extends Error {
  override name = "HTTPChaosTlsError";
}

/**
 * The PEMs `tls` names, read from its Secret (namespace: `tls.secretNamespace`, else the
 * HTTPChaos's; keys `certName` / `keyName` default `tls.crt` / `tls.key`, `caName` optional).
 * Throws {@link HTTPChaosTlsError} naming the field when the Secret or a key is missing.
 */
export async function readHTTPChaosTls(
  core: Pick<CoreV1Api, "readNamespacedSecret">,
  tls: NonNullable<HTTPChaosSpec["tls"]>,
  chaosNamespace: string,
  signal?: AbortSignal,
): Promise<HTTPChaosTls> {
  const namespace = tls.secretNamespace || chaosNamespace;
  let secret: V1Secret;
  try {
    secret = await core.readNamespacedSecret({ namespace, name: tls.secretName });
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (code === 404) throw new HTTPChaosTlsError(`spec.tls.secretName: Secret ${namespace}/${tls.secretName} not found`);
    if (code === 403) throw new HTTPChaosTlsError(`spec.tls.secretName: the manager may not read Secret ${namespace}/${tls.secretName} (forbidden: its RBAC needs get on secrets)`);
    throw err;
  }
  signal?.throwIfAborted();
  const read = (field: "certName" | "keyName" | "caName", key: string): string => {
    const data = secret.data?.[key];
    if (data === undefined) {
      const keys = Object.keys(secret.data ?? {}).sort().join(", ") || "none";
      throw new HTTPChaosTlsError(`spec.tls.${field}: Secret ${namespace}/${tls.secretName} has no key "${key}" (its keys: ${keys})`);
    }
    return Buffer.from(data, "base64").toString("utf8");
  };
  const cert = read("certName", tls.certName || defaultTlsCertName);
  const key = read("keyName", tls.keyName || defaultTlsKeyName);
  return tls.caName ? { cert, key, ca: read("caName", tls.caName) } : { cert, key };
}

/** Thrown when the target's node cannot intercept HTTP; nothing was sent. */
export class NodeCannotInterceptHTTPError extends Error {
  override name = "NodeCannotInterceptHTTPError";
  constructor(readonly nodeName: string, readonly missing: string[]) {
    super(`node ${nodeName} cannot perform HTTPChaos: its daemon lacks ${missing.join(", ")} (redirecting the pod's port to the proxy needs iptables with the nat table's REDIRECT target); nothing was injected`);
  }
}

/** Thrown when the daemon refuses the rules (InvalidArgument): the spec passed admission but not the daemon's strict parser. */
export class HTTPChaosRulesRefusedError extends Error {
  override name = "HTTPChaosRulesRefusedError";
  constructor(readonly nodeName: string, readonly detail: string) {
    super(`the daemon on node ${nodeName} refused the request (InvalidArgument): ${detail}; nothing was injected: fix the spec`);
  }
}

/** What of the interception's needs a node's GetNodeCapabilities answer lacks; empty: it can intercept. */
export function missingHTTPCapabilities(caps: NodeCapabilities): string[] {
  return nodeCapabilityFlags(caps).get(httpInterceptionCapability) === true ? [] : [httpInterceptionCapability];
}

/** The Event an HTTPChaos without `tls` gets at each Apply: TLS on its port is not touched. */
export const tlsPassThroughReason = "TLSPassedThrough";
export const tlsPassThroughMessage = (port: number) =>
  `no tls is set: TLS connections on port ${port} pass through the proxy untouched (only plain HTTP is acted on); set tls to a Secret with the server's certificate and key to act on HTTPS`;

/** A few words on an injection's rules as ListHTTPChaos lists them, for the sweep's report. */
function describeRules(rules: string): string {
  try {
    const parsed = JSON.parse(rules) as HTTPChaosRule[];
    return parsed
      .map((r) => `${r.target} ${Object.keys(r.actions ?? {}).join("+") || "nothing"} on port ${r.port}${r.selector?.path ? ` path ${r.selector.path}` : ""}`)
      .join("; ");
  } catch {
    return "rules the manager cannot read";
  }
}

/** Why a hostNetwork pod is refused (apply's error, plan's reason), or undefined for any other pod. */
function hostNetworkRefusal(target: { pod: V1Pod; namespace: string; podName: string; nodeName: string }, port: number): string | undefined {
  return target.pod.spec?.hostNetwork
    ? `pod ${target.namespace}/${target.podName} uses hostNetwork: redirecting its port ${port} would take over that port on node ${target.nodeName} itself; refused`
    : undefined;
}

/**
 * The manager side of HTTPChaos (pod records). Apply refuses a hostNetwork pod, checks that the
 * record's node can intercept HTTP (GetNodeCapabilities, cached 30 s per node; a node without
 * `http/interception` fails the record, naming the node and the capability, before anything is
 * sent), reads `tls`'s Secret when set (through the manager's own client), and sends ExecHTTPChaos
 * for the record's pod with the rules (`httpRulesOf`), the PEMs, and the record key
 * (`heldRecordKey`: the object's uid and the record id). Without `tls` it records a Normal Event that TLS on the port passes through.
 * A daemon refusing the rules (InvalidArgument: what CEL could not check, such as a patch value that
 * only looks like JSON) fails the record with an error naming what it refused. Recover sends
 * RecoverHTTPChaos with the key. The key is all the state there is, and it is derived, never
 * stored: a restarted manager recovers what an earlier one injected, a retried Apply injects nothing
 * twice, and several HTTPChaos on one pod compose in the daemon (recovering one leaves the others).
 * A pod that is gone took its proxy and redirect with it: recovered; so is a record on a node whose
 * daemon does not serve RecoverHTTPChaos (an older daemon, which could not have injected it).
 *
 * `lostInjections` asks the daemons of a running HTTPChaos's Injected records (ListHTTPChaos)
 * whether each record's key is still held, so the pipeline injects again where a recreated pod lost
 * it. `sweep` recovers the keys the daemons hold that no HTTPChaos holds any more.
 */
export function httpChaosManager(deps: {
  decoder: RecordDecoder;
  core: Pick<CoreV1Api, "readNamespacedSecret">;
  log: KindLog;
  event?: KindEvent;
}): Required<Omit<ChaosImpl<HTTPChaos>, "waveParallelism">> {
  const nodeCapabilities = createNodeCapabilitiesCache();
  // the record's pod through its first container (the pod's containers share its network namespace)
  const containerOf = (target: DecodedPod, recordId: string) => containerIdOf(target.pod, target.pod.spec?.containers[0]?.name ?? "", recordId);

  return {
    async apply(ctx, index, records, obj) {
      const record = records[index]!;
      const namespace = obj.metadata.namespace ?? ctx.namespacedName.split("/")[0]!;
      deps.log("Apply HTTPChaos", { id: record.id, chaos: ctx.namespacedName, target: obj.spec.target, port: obj.spec.port });
      const target = await deps.decoder.decodePod(record.id, obj);
      const refused = hostNetworkRefusal(target, obj.spec.port);
      if (refused !== undefined) throw new Error(refused);
      const containerId = containerOf(target, record.id);
      const missing = missingHTTPCapabilities(await nodeCapabilities(target, ctx.signal));
      if (missing.length > 0) throw new NodeCannotInterceptHTTPError(target.nodeName, missing);
      const tls = obj.spec.tls ? JSON.stringify(await readHTTPChaosTls(deps.core, obj.spec.tls, namespace, ctx.signal)) : "";
      try {
        await target.daemon.execHTTPChaos(execHTTPChaosRequestOf(obj, record.id, ctx.namespacedName, containerId, tls), { signal: ctx.signal });
      } catch (err) {
        if (err instanceof ConnectError && err.code === Code.InvalidArgument) throw new HTTPChaosRulesRefusedError(target.nodeName, err.rawMessage);
        throw err;
      }
      if (!obj.spec.tls) await deps.event?.(obj, "Normal", tlsPassThroughReason, tlsPassThroughMessage(obj.spec.port));
      deps.log("HTTPChaos injected", { id: record.id, chaos: ctx.namespacedName, node: target.nodeName });
      return "Injected";
    },

    /**
     * What apply would send (ExecHTTPChaos, its TLS material left out: a plan is written in the
     * object's status) and what the daemon would run for it; whether the node can intercept HTTP,
     * the pod is not on the host's network, and the TLS Secret reads as apply needs it.
     */
    async plan(ctx, index, records, obj) {
      const record = records[index]!;
      const namespace = obj.metadata.namespace ?? ctx.namespacedName.split("/")[0]!;
      const reached = await reachForPlan(ctx, () => deps.decoder.decodePod(record.id, obj), nodeCapabilities);
      if (reached.plan) return reached.plan;
      const { target, caps } = reached;
      const container = await decodeForPlan(() => containerOf(target, record.id));
      if (container.plan) return container.plan;
      const containerId = container.target;
      let tls = "";
      let tlsProblem: string | undefined;
      if (obj.spec.tls) {
        try {
          tls = JSON.stringify(await readHTTPChaosTls(deps.core, obj.spec.tls, namespace, ctx.signal));
        } catch (err) {
          if (!(err instanceof HTTPChaosTlsError)) throw err;
          tlsProblem = err.message;
        }
      }
      const request = execHTTPChaosRequestOf(obj, record.id, ctx.namespacedName, containerId, tls);
      const missing = missingHTTPCapabilities(caps);
      const refusal =
        hostNetworkRefusal(target, obj.spec.port) ??
        (missing.length > 0
          ? new NodeCannotInterceptHTTPError(target.nodeName, missing).message
          : tlsProblem);
      const secret = obj.spec.tls ? `<certificate and key of Secret ${obj.spec.tls.secretNamespace || namespace}/${obj.spec.tls.secretName}>` : "";
      return oneDaemonStepPlan(refusal, {
        nodeName: target.nodeName,
        rpc: "ExecHTTPChaos",
        request: requestJson(ExecHTTPChaosRequestSchema, { ...request, tls: secret }),
        build: () => execHTTPChaosCommands(request, caps),
        show: ({ argv, config, redirectScript }) => ({
          argv,
          note:
            `the proxy's config.json: ${config}; the redirect's iptables-restore script (stdin): ${redirectScript.trim().split("\n").join(" | ")}` +
            " (a pod already proxied gets its config rewritten and a SIGHUP)" +
            (obj.spec.tls ? "" : `; ${tlsPassThroughMessage(obj.spec.port)}`),
        }),
      });
    },

    recover: (ctx, index, records, obj) =>
      recoverHeldRecord({
        ctx,
        recordId: records[index]!.id,
        kind: "HTTPChaos",
        log: deps.log,
        decode: async (recordId) => {
          const target = await deps.decoder.decodePod(recordId, obj);
          return { nodeName: target.nodeName, daemon: target.daemon, containerId: containerOf(target, recordId) };
        },
        goneWith: "its proxy and redirect went with it",
        recover: (target, signal) => target.daemon.recoverHTTPChaos({ containerId: target.containerId, recordKey: heldRecordKeyOf(obj, records[index]!.id, ctx.namespacedName) }, { signal }),
      }),

    // by key only: the proxy and redirect are the pod's (its network namespace), so a restarted
    // container keeps them; a recreated pod's are gone from the list
    lostInjections: (ctx, records, obj) =>
      lostByHeldKeys({
        ctx,
        records,
        decode: (recordId) => deps.decoder.decodePod(recordId, obj),
        keysOf: (recordId) => [heldRecordKeyOf(obj, recordId, ctx.namespacedName)],
        listKeys: async (daemon, signal) => (await daemon.listHTTPChaos({}, { signal })).injections.map((i) => i.recordKey),
        log: deps.log,
        kind: "HTTPChaos",
      }),

    sweep: (ctx) =>
      sweepHeldKeys({
        ctx,
        kind: "HTTPChaos",
        listRpc: "ListHTTPChaos",
        list: async (daemon, signal) => (await daemon.listHTTPChaos({}, { signal })).injections.map((injection) => ({ key: injection.recordKey, injection })),
        parseKey: parseHeldPodRecordKey,
        recover: async (daemon, { key, injection }, signal) => {
          await daemon.recoverHTTPChaos({ containerId: injection.containerId, recordKey: key }, { signal });
        },
        describe: (recordId, { injection }) => {
          const { namespace, podName } = parsePodRecordId(recordId);
          return { pod: { namespace, name: podName }, what: `HTTP ${describeRules(injection.rules)}` };
        },
      }),
  };
}
