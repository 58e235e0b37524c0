import { killSwitchMessage, type KillSwitch } from "@faultline/api";
import { silentLogger, TokenBucket, type InformerSet, type Logger, type ManagedController } from "@faultline/controller";
import type { ChaosKind, ChaosObject } from "@faultline/impl-registry";
import type { CustomObjectsApi } from "@kubernetes/client-node";
import { killSwitchRateSetter } from "./manager-clients.js";
import { createManagerKillSwitch } from "./manager-kill-switch.js";

const record = (phase: string, applying?: boolean) => ({ id: "ns/p", selectorKey: ".", phase, injectedCount: 0, recoveredCount: 0, ...(applying && { applying }) });
const obj = (experiment: object): ChaosObject => ({ apiVersion: "chaos-mesh.org/v1alpha1", kind: "X", metadata: { name: "a", namespace: "ns" }, spec: {}, status: { experiment } }) as ChaosObject;
const ks = (engaged: boolean, status?: KillSwitch["status"]): KillSwitch => ({
  apiVersion: "faultline.chaos-mesh.org/v1alpha1",
  kind: "KillSwitch",
  metadata: { name: "cluster", generation: 3 },
  spec: { engaged, reason: "incident" },
  ...(status && { status }),
});
const t1 = new Date("2026-12-06T18:00:02Z");

/** Informers over in-memory objects, listed at once; `put`/`remove` tell the handlers as a watch would. */
function fakeInformers(unlisted = new Set<string>()) {
  const stores = new Map<string, { objects: Map<string, { metadata: { name: string; namespace?: string } }>; handlers: Array<(e: unknown) => void> }>();
  const store = (plural: string) => {
    if (!stores.has(plural)) stores.set(plural, { objects: new Map(), handlers: [] });
    return stores.get(plural)!;
  };
  const keyOf = (o: { metadata: { name: string; namespace?: string } }) => ({ namespace: o.metadata.namespace ?? "", name: o.metadata.name });
  const informers = {
    informer: ({ plural }: { plural: string }) => {
      const s = store(plural);
      return {
        get hasSynced() {
          return !unlisted.has(plural);
        },
        get: (key: { namespace: string; name: string }) => s.objects.get(`${key.namespace}/${key.name}`),
        list: () => [...s.objects.values()],
        addHandler: (handler: (e: unknown) => void) => s.handlers.push(handler),
      };
    },
  } as unknown as InformerSet;
  const put = (plural: string, o: { metadata: { name: string; namespace?: string } }) => {
    const key = keyOf(o);
    store(plural).objects.set(`${key.namespace}/${key.name}`, o);
    for (const h of store(plural).handlers) h({ type: "update", key, object: o });
  };
  return { informers, put, unlisted };
}

describe("the kill switch's own client budget", () => {
  const podKind = { group: "chaos-mesh.org", version: "v1alpha1", plural: "podchaos", definition: { oneShot: false } } as unknown as ChaosKind;
  const experiment = (phase: string) => ({ ...obj({ containerRecords: [record(phase)] }), metadata: { name: "a", namespace: "ns" } });
  const until = async (what: string, check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    if (!check()) throw new Error(`not ${what}`);
  };

  it("raises the shared bucket to --kill-switch-qps/burst on engaging, keeps it while records are injected, lowers it once all are recovered, and when turned off", async () => {
    const { informers, put } = fakeInformers();
    const bucket = new TokenBucket({ qps: 30, burst: 50 });
    const patches: unknown[] = [];
    const customObjects = { patchClusterCustomObjectStatus: async (request: unknown) => void patches.push(request) } as unknown as CustomObjectsApi;
    const config = { qps: 30, burst: 50, killSwitchQps: 300, killSwitchBurst: 600 };
    const seen: boolean[] = [];
    const setRate = killSwitchRateSetter(bucket, config, silentLogger());
    const killSwitch = createManagerKillSwitch({ informers, customObjects, kinds: () => [podKind], logger: silentLogger(), statusDebounceMs: 5, onRecovering: (r) => (seen.push(r), setRate(r)) });
    const leading = new AbortController();
    const running = killSwitch.run(leading.signal);
    put("podchaos", experiment("Injected"));

    put("killswitches", ks(true));
    expect([bucket.qps, bucket.burst]).toEqual([300, 600]); // at once, before any status is written
    await until("a status written", () => patches.length > 0);
    expect(killSwitch.recovering()).toBe(true); // one record is still Injected

    put("podchaos", experiment("Not Injected"));
    await until("back to the normal rate", () => bucket.qps === 30);
    expect([bucket.qps, bucket.burst]).toEqual([30, 50]);

    put("podchaos", experiment("Injected")); // one injected again while engaged (an apply that was in flight)
    await until("raised again", () => bucket.qps === 300);
    put("killswitches", ks(false));
    expect([bucket.qps, bucket.burst]).toEqual([30, 50]);
    expect(seen).toEqual([true, false, true, false]);

    put("killswitches", ks(true));
    expect(bucket.qps).toBe(300);
    leading.abort(); // no longer leading: the normal rate
    await running;
    expect([bucket.qps, bucket.burst, killSwitch.recovering()]).toEqual([30, 50, false]);
  });

  it("the kill-switch rate is never below the normal one", () => {
    const bucket = new TokenBucket({ qps: 500, burst: 800 });
    killSwitchRateSetter(bucket, { qps: 500, burst: 800, killSwitchQps: 300, killSwitchBurst: 600 }, silentLogger())(true);
    expect([bucket.qps, bucket.burst]).toEqual([500, 800]);
  });
});

const until = async (what: string, check: () => boolean) => {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`not ${what}`);
};
const podKind = { group: "chaos-mesh.org", version: "v1alpha1", plural: "podchaos", definition: { oneShot: false } } as unknown as ChaosKind;
const controllerSeeing = (seen: unknown[], state: () => unknown, hold?: Promise<void>): ManagedController => ({
  name: "test",
  resource: { group: "chaos-mesh.org", version: "v1alpha1", plural: "podchaos", kind: "PodChaos" },
  reconcile: async () => {
    seen.push(state());
    await hold;
    return {};
  },
});

describe("a KillSwitch cache that never lists (no CRD, no RBAC to list killswitches)", () => {
  const warnings: string[] = [];
  const logger = { info: () => undefined, debug: () => undefined, error: () => undefined, warn: (message: string) => void warnings.push(message) } as unknown as Logger;
  const refusing = (code: number) => ({ listClusterCustomObject: async () => Promise.reject(Object.assign(new Error(`HTTP ${code}`), { code })) }) as unknown as CustomObjectsApi;

  it("after the wait, reconciles as if the switch were ENGAGED, the Paused message saying its state is unknown and which is missing, and resumes once it lists", async () => {
    warnings.length = 0;
    const { informers, unlisted } = fakeInformers(new Set(["killswitches"]));
    const killSwitch = createManagerKillSwitch({ informers, customObjects: refusing(404), kinds: () => [podKind], logger, unknownAfterMs: 30 });
    const seen: unknown[] = [];
    const [gated] = killSwitch.gate([controllerSeeing(seen, () => killSwitch.state())]);
    let changes = 0;
    killSwitch.onChange(() => changes++);
    const leading = new AbortController();
    const running = killSwitch.run(leading.signal);
    const reconciled = gated!.reconcile({ namespace: "ns", name: "a" });
    await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual([]); // held while the wait lasts

    await reconciled;
    const why = "the CRD killswitches.faultline.chaos-mesh.org is not installed (helm upgrade installs no new CRD: apply the chart's crds/)";
    expect(seen).toEqual([{ engaged: true, unknown: why }]);
    expect(killSwitchMessage(killSwitch.state())).toMatch(/^the kill switch's state \(killswitch\/cluster\) is unknown: the CRD killswitches.faultline.chaos-mesh.org is not installed/);
    expect(warnings).toEqual([expect.stringMatching(/state is unknown after 0 s: the CRD .* reconciling as if it were ENGAGED/)]);
    expect(killSwitch.recovering()).toBe(false); // no status to count in: the normal client budget
    expect(changes).toBe(1); // every object queued again, to be recovered

    unlisted.clear(); // the CRD installed: the cache lists, no KillSwitch = off
    await until("resumed", () => changes === 2);
    expect(killSwitch.state()).toEqual({ engaged: false });
    leading.abort();
    await running;
  });

  it("names the RBAC when the list is refused", async () => {
    warnings.length = 0;
    const { informers } = fakeInformers(new Set(["killswitches"]));
    const killSwitch = createManagerKillSwitch({ informers, customObjects: refusing(403), kinds: () => [podKind], logger, unknownAfterMs: 10 });
    const leading = new AbortController();
    const running = killSwitch.run(leading.signal);
    await until("unknown", () => killSwitch.state().unknown !== undefined);
    expect(killSwitch.state()).toEqual({ engaged: true, unknown: "the manager may not list killswitches.faultline.chaos-mesh.org (RBAC: its ClusterRole lacks list and watch on killswitches)" });
    leading.abort();
    await running;
  });
});

describe("AllRecovered and reconciles begun before the switch was engaged", () => {
  it("is not reported while a reconcile that read the switch as off may still apply", async () => {
    const { informers, put } = fakeInformers();
    const patches: { status: NonNullable<KillSwitch["status"]> }[] = [];
    const customObjects = { patchClusterCustomObjectStatus: async ({ body }: { body: { status: NonNullable<KillSwitch["status"]> } }) => void patches.push(body) } as unknown as CustomObjectsApi;
    const killSwitch = createManagerKillSwitch({ informers, customObjects, kinds: () => [podKind], logger: silentLogger(), statusDebounceMs: 5, now: () => t1 });
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    const [gated, quick] = killSwitch.gate([controllerSeeing([], () => undefined, hold), controllerSeeing([], () => undefined)]);
    const leading = new AbortController();
    const running = killSwitch.run(leading.signal);
    const inFlight = gated!.reconcile({ namespace: "ns", name: "a" }); // began with the switch off
    await new Promise((r) => setTimeout(r, 10));

    put("killswitches", ks(true)); // no record injected yet: the one in flight may still inject one
    await until("a status written", () => patches.length > 0);
    const recovering = patches.at(-1)!.status;
    expect(recovering.recoveredAt).toBeNull();
    expect(recovering.conditions).toEqual([expect.objectContaining({ status: "False", reason: "Recovering", message: "1 reconcile(s) begun before the switch was engaged still running" })]);
    expect(killSwitch.recovering()).toBe(true);

    // a reconcile begun under the switch does not hold the status back
    await quick!.reconcile({ namespace: "ns", name: "b" });
    await new Promise((r) => setTimeout(r, 30));
    expect(patches.at(-1)!.status.conditions?.[0]?.status).toBe("False");
    release();
    await inFlight;
    await until("AllRecovered", () => patches.at(-1)!.status.conditions?.[0]?.status === "True");
    expect(patches.at(-1)!.status).toMatchObject({ recoveredAt: t1.toISOString(), activeRecords: 0 });
    leading.abort();
    await running;
  });
});
