// In-memory seams of the records pipeline, for unit specs of its steps: a ChaosObjectClient with
// the API server's write rules (resourceVersion conflicts, the status subresource, finalizers
// holding a deleted object), an event recorder that keeps what it was told, a fixed target
// selector, and a kind whose impl answers from callbacks and logs its calls.
import { Type } from "@sinclair/typebox";
import { containerSelectorFields, defineChaosCrd, type ChaosCrd, type Record, type RecordPhase } from "@faultline/api";
import { createInMemoryDaemonClientPool, createRecordDecoder } from "@faultline/daemon-client";
import { kindOf, type ChaosImpl, type ChaosImplContext, type ChaosKind, type ChaosObject, type ManagerKindDefinition, type ManagerKindDeps } from "@faultline/impl-registry";
import { createInMemoryPodSource } from "@faultline/selector";
import { offlineKubeConfig } from "@faultline/test-ground";
import { CoreV1Api } from "@kubernetes/client-node";
import { ConflictError, ObjectGoneError, type ChaosObjectClient, type ChaosResource } from "../chaos-object-client.js";
import type { ChaosEvent, EventRecorder } from "@faultline/controller";
import type { SelectedTarget, TargetSelector } from "../target-selector.js";

export const testResource: ChaosResource = { group: "chaos-mesh.org", version: "v1alpha1", plural: "testchaos" };

/** A chaos object as a test writes it: namespace `ns`, created now, no status. */
export function testObject(name: string, overrides: { metadata?: Partial<ChaosObject["metadata"]>; spec?: object; status?: ChaosObject["status"] } = {}): ChaosObject {
  return {
    apiVersion: "chaos-mesh.org/v1alpha1",
    kind: "TestChaos",
    metadata: { namespace: "ns", name, uid: `uid-${name}`, creationTimestamp: new Date().toISOString(), ...overrides.metadata },
    spec: overrides.spec ?? {},
    ...(overrides.status && { status: overrides.status }),
  };
}

/** A record as the pipeline creates it, with `fields` over it. */
export const testRecord = (id: string, fields: Partial<Record> = {}): Record => ({ id, selectorKey: ".", phase: "Not Injected", injectedCount: 0, recoveredCount: 0, ...fields });

/** Objects in memory, written as the API server writes them. */
export class InMemoryChaosObjects implements ChaosObjectClient {
  readonly #objects = new Map<string, ChaosObject>();
  #version = 0;
  /** Every write made, in order: which method and the object as sent. */
  readonly writes: Array<{ method: "replace" | "replaceStatus"; obj: ChaosObject }> = [];
  /** Errors the next writes throw, first first (then the write is not made). */
  readonly failNextWrites: unknown[] = [];
  /** Conflicts the next writes answer, as if someone else wrote first. */
  conflicts = 0;

  #key = (resource: ChaosResource, namespace: string, name: string) => `${resource.plural}/${namespace}/${name}`;

  /** Stores `obj` as created (a fresh resourceVersion); answers the stored copy. */
  put(resource: ChaosResource, obj: ChaosObject): ChaosObject {
    const stored = structuredClone(obj);
    stored.metadata.resourceVersion = String(++this.#version);
    this.#objects.set(this.#key(resource, obj.metadata.namespace ?? "", obj.metadata.name ?? ""), stored);
    return structuredClone(stored);
  }

  /** Deletes as the API server does: an object with finalizers gets a deletionTimestamp and stays. */
  delete(resource: ChaosResource, namespace: string, name: string): void {
    const key = this.#key(resource, namespace, name);
    const stored = this.#objects.get(key);
    if (!stored) return;
    if ((stored.metadata.finalizers ?? []).length === 0) this.#objects.delete(key);
    else {
      stored.metadata.deletionTimestamp ??= new Date().toISOString();
      stored.metadata.resourceVersion = String(++this.#version);
    }
  }

  /** The stored object now (a copy), `undefined` when there is none. */
  stored(resource: ChaosResource, namespace: string, name: string): ChaosObject | undefined {
    const stored = this.#objects.get(this.#key(resource, namespace, name));
    return stored && structuredClone(stored);
  }

  async get(resource: ChaosResource, namespace: string, name: string): Promise<ChaosObject | undefined> {
    return this.stored(resource, namespace, name);
  }

  async replace(resource: ChaosResource, obj: ChaosObject): Promise<ChaosObject> {
    return this.#write("replace", resource, obj, (stored) => {
      stored.metadata = structuredClone(obj.metadata);
      stored.spec = structuredClone(obj.spec);
    });
  }

  async replaceStatus(resource: ChaosResource, obj: ChaosObject): Promise<ChaosObject> {
    return this.#write("replaceStatus", resource, obj, (stored) => {
      stored.status = structuredClone(obj.status);
    });
  }

  #write(method: "replace" | "replaceStatus", resource: ChaosResource, obj: ChaosObject, change: (stored: ChaosObject) => void): ChaosObject {
    const failure = this.failNextWrites.shift();
    if (failure !== undefined) throw failure;
    const key = this.#key(resource, obj.metadata.namespace ?? "", obj.metadata.name ?? "");
    const stored = this.#objects.get(key);
    const at = `${obj.metadata.namespace}/${obj.metadata.name}`;
    if (!stored) throw new ObjectGoneError(`${at} not found`);
    if (this.conflicts > 0 || stored.metadata.resourceVersion !== obj.metadata.resourceVersion) {
      this.conflicts = Math.max(0, this.conflicts - 1);
      throw new ConflictError(`conflict writing ${at}`);
    }
    this.writes.push({ method, obj: structuredClone(obj) });
    const { deletionTimestamp } = stored.metadata;
    change(stored);
    if (deletionTimestamp !== undefined) stored.metadata.deletionTimestamp = deletionTimestamp; // never set or cleared by a write
    stored.metadata.resourceVersion = String(++this.#version);
    if (stored.metadata.deletionTimestamp && (stored.metadata.finalizers ?? []).length === 0) this.#objects.delete(key);
    return structuredClone(stored);
  }
}

/** An event recorder that keeps every Event it is told, with the object's name. */
export class InMemoryEventRecorder implements EventRecorder {
  readonly events: Array<ChaosEvent & { object: string }> = [];

  async record(obj: { metadata?: { namespace?: string; name?: string } }, event: ChaosEvent): Promise<void> {
    this.events.push({ ...event, object: `${obj.metadata?.namespace}/${obj.metadata?.name}` });
  }

  /** `reason: message` of each Event, in order. */
  lines(): string[] {
    return this.events.map((e) => `${e.reason}: ${e.message}`);
  }
}

/** A selector answering `targets` (or throwing `error`), counting its calls. */
export function fixedSelector(answer: SelectedTarget[] | Error): TargetSelector & { calls: number } {
  const selector = {
    calls: 0,
    async select() {
      selector.calls++;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return selector;
}

/** What one call of a {@link testKind}'s impl was: its operation and record id. */
export interface ImplCall {
  operation: "apply" | "recover";
  id: string;
}

/**
 * The CRD of a test kind named `kind` (a container-selector spec), in `chaos-mesh.org/v1alpha1`
 * unless `group` / `version` say otherwise.
 */
export function testCrd(kind: string, coordinates: { group?: string; version?: string } = {}): ChaosCrd {
  const crd = defineChaosCrd({ kind, description: `${kind} does nothing.`, spec: Type.Object(containerSelectorFields) });
  const { group = crd.spec.group, version = crd.spec.versions[0]!.name } = coordinates;
  return { ...crd, spec: { ...crd.spec, group, versions: crd.spec.versions.map((v) => ({ ...v, name: version })) } };
}

/** What a manager hands a kind's factory, in memory: no pods, no daemons (the test kinds reach neither). */
export function testDeps(): ManagerKindDeps {
  const pods = createInMemoryPodSource({ pods: [] });
  const core = offlineKubeConfig().makeApiClient(CoreV1Api); // never called
  return { decoder: createRecordDecoder({ pods, daemons: createInMemoryDaemonClientPool({}) }), pods, core, log: () => {}, settings: {} };
}

/** A kind named TestChaos (or `crd`'s) whose impl answers from `impl` (default: Injected / Not Injected) and logs calls. */
export function testKind(
  impl: {
    apply?: (record: Record, ctx: ChaosImplContext) => Promise<RecordPhase>;
    recover?: (record: Record, ctx: ChaosImplContext) => Promise<RecordPhase>;
    lostInjections?: ChaosImpl["lostInjections"];
    oneShot?: boolean;
    crd?: ChaosCrd;
  } = {},
): ChaosKind & { calls: ImplCall[] } {
  const calls: ImplCall[] = [];
  const built: ChaosImpl = {
    async apply(ctx, index, records) {
      calls.push({ operation: "apply", id: records[index]!.id });
      return impl.apply ? impl.apply(records[index]!, ctx) : "Injected";
    },
    async recover(ctx, index, records) {
      calls.push({ operation: "recover", id: records[index]!.id });
      return impl.recover ? impl.recover(records[index]!, ctx) : "Not Injected";
    },
    ...(impl.lostInjections && { lostInjections: impl.lostInjections }),
  };
  const definition: ManagerKindDefinition = {
    crd: impl.crd ?? testCrd("TestChaos"),
    oneShot: impl.oneShot ?? false,
    selectorKind: "pod",
    selectors: () => [],
    manager: () => built,
  };
  return { ...kindOf(definition, testDeps()), calls };
}

/** A sender that keeps what it is told (the steps' `send`), for specs of one step. */
export function sentEvents() {
  const events: Array<{ object: string; type: ChaosEvent["type"]; reason: string; message: string }> = [];
  const send = (obj: ChaosObject, type: ChaosEvent["type"], reason: string, message: string) =>
    void events.push({ object: `${obj.metadata.namespace}/${obj.metadata.name}`, type, reason, message });
  return { events, send, reasons: () => events.map((e) => e.reason) };
}
