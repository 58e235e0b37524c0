// The event recorder against the local API server: repeats aggregate into one Event, as
// client-go's recorder does, and no message is longer than the recorder's bound.
import { CoreV1Api, KubeConfig, type CoreV1Event } from "@kubernetes/client-node";
import { createTestNamespace, deleteTestNamespace, offlineKubeConfig } from "@faultline/test-ground";
import { createKubernetesEventRecorder, maxEventMessageLength, type InvolvedObject } from "./event-recorder.js";
import { clusterTimeoutMs, localClusterKubeConfig } from "./local-cluster.test-support.js";

const slow = 120_000;
let kubeConfig: KubeConfig | undefined;
let core: CoreV1Api;
let namespace: string;

beforeAll(async () => {
  ({ kubeConfig } = await localClusterKubeConfig());
  core = kubeConfig.makeApiClient(CoreV1Api);
  namespace = (await createTestNamespace(kubeConfig, "controller-events")).name;
}, clusterTimeoutMs);

afterAll(async () => {
  if (kubeConfig) await deleteTestNamespace(kubeConfig, namespace);
});

// Events need no real involved object: the API server does not check that it exists, nor its kind.
function widget(name: string): InvolvedObject {
  return { apiVersion: "example.faultline.test/v1", kind: "Widget", metadata: { name, namespace, uid: `uid-${name}` } };
}

async function eventsAbout(name: string): Promise<CoreV1Event[]> {
  const list = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}

describe("createKubernetesEventRecorder", () => {
  test("a repeated Event is one Event object whose count and lastTimestamp follow the repeats", async () => {
    const errors: unknown[] = [];
    const recorder = createKubernetesEventRecorder(core, { onError: (e) => errors.push(e) });
    const obj = widget("repeats");
    const event = { type: "Warning" as const, reason: "Failed", message: "selector matched no pod" };
    await recorder.record(obj, event);
    const [first] = await eventsAbout("repeats");
    await new Promise((r) => setTimeout(r, 1100)); // lastTimestamp has a resolution of one second
    for (let i = 0; i < 4; i++) await recorder.record(obj, event);
    const events = await eventsAbout("repeats");
    expect(errors).toEqual([]);
    expect(events).toHaveLength(1);
    expect(events[0]!.metadata.name).toBe(first!.metadata.name);
    expect(events[0]!.count).toBe(5);
    expect(new Date(events[0]!.lastTimestamp!).getTime()).toBeGreaterThan(new Date(events[0]!.firstTimestamp!).getTime());
  }, slow);

  test("repeats recorded at the same moment still make one Event with the full count", async () => {
    const recorder = createKubernetesEventRecorder(core);
    const obj = widget("at-once");
    await Promise.all(Array.from({ length: 10 }, () => recorder.record(obj, { type: "Normal", reason: "Applied", message: "same" })));
    const events = await eventsAbout("at-once");
    expect(events.map((e) => e.count)).toEqual([10]);
  }, slow);

  test("a different message, reason or object is a different Event", async () => {
    const recorder = createKubernetesEventRecorder(core);
    await recorder.record(widget("distinct"), { type: "Normal", reason: "Applied", message: "one" });
    await recorder.record(widget("distinct"), { type: "Normal", reason: "Applied", message: "two" });
    await recorder.record(widget("distinct"), { type: "Normal", reason: "Recovered", message: "one" });
    await recorder.record(widget("distinct-other"), { type: "Normal", reason: "Applied", message: "one" });
    expect((await eventsAbout("distinct")).map((e) => [e.reason, e.message, e.count]).sort()).toEqual([
      ["Applied", "one", 1],
      ["Applied", "two", 1],
      ["Recovered", "one", 1],
    ]);
    expect(await eventsAbout("distinct-other")).toHaveLength(1);
  }, slow);

  test("an Event deleted meanwhile (expired) starts a new series instead of losing the repeat", async () => {
    const recorder = createKubernetesEventRecorder(core);
    const obj = widget("expired");
    const event = { type: "Normal" as const, reason: "Applied", message: "again" };
    await recorder.record(obj, event);
    const [first] = await eventsAbout("expired");
    await core.deleteNamespacedEvent({ namespace, name: first!.metadata.name! });
    await recorder.record(obj, event);
    const events = await eventsAbout("expired");
    expect(events).toHaveLength(1);
    expect(events[0]!.metadata.name).not.toBe(first!.metadata.name);
    expect(events[0]!.count).toBe(1);
  }, slow);

  test("a 70 KB message is cut to the bound, saying how much was cut", async () => {
    const recorder = createKubernetesEventRecorder(core);
    const huge = `selector value ${"x".repeat(70_000)} is invalid`;
    await recorder.record(widget("huge"), { type: "Warning", reason: "Failed", message: huge });
    const [event] = await eventsAbout("huge");
    expect(event!.message!.length).toBeLessThanOrEqual(maxEventMessageLength);
    const cut = Number(/… \((\d+) more characters\)$/.exec(event!.message!)?.[1]);
    expect(event!.message!.length - `… (${cut} more characters)`.length + cut).toBe(huge.length);
    expect(huge.startsWith(event!.message!.slice(0, 100))).toBe(true);
  }, slow);

  test("an unreachable API server is reported through onError, never thrown", async () => {
    const errors: unknown[] = [];
    const offline: KubeConfig = offlineKubeConfig();
    const recorder = createKubernetesEventRecorder(offline.makeApiClient(CoreV1Api), { onError: (e) => errors.push(e) });
    await expect(recorder.record(widget("offline"), { type: "Normal", reason: "Applied", message: "lost" })).resolves.toBeUndefined();
    await expect(recorder.record(widget("offline"), { type: "Normal", reason: "Applied", message: "lost" })).resolves.toBeUndefined();
    expect(errors).toHaveLength(2);
  }, slow);
});
