import type { KillSwitch } from "@faultline/api";
import { bufferIo, fakeKube, type SentRequest } from "../fake-kube.test-support.js";
import { killSwitchPath, killSwitchRecovered, runStopOrResume } from "./stop.js";

const ks = (generation: number, status: KillSwitch["status"], engaged = true): KillSwitch => ({
  apiVersion: "faultline.chaos-mesh.org/v1alpha1",
  kind: "KillSwitch",
  metadata: { name: "cluster", generation },
  spec: { engaged },
  ...(status ? { status } : {}),
});
const allRecovered = [{ type: "AllRecovered" as const, status: "True" as const }];

describe("stop --all", () => {
  it("is done only when the manager saw this generation engaged and reports every record recovered", () => {
    expect(killSwitchRecovered(ks(2, { observedGeneration: 2, activeRecords: 0, conditions: allRecovered }))).toBe(true);
    // an older generation's AllRecovered (before this engage) does not count
    expect(killSwitchRecovered(ks(3, { observedGeneration: 2, activeRecords: 0, conditions: allRecovered }))).toBe(false);
    expect(killSwitchRecovered(ks(2, { observedGeneration: 2, activeRecords: 4, conditions: [{ type: "AllRecovered", status: "False" }] }))).toBe(false);
    expect(killSwitchRecovered(ks(2, undefined))).toBe(false);
    expect(killSwitchRecovered(ks(2, { observedGeneration: 2, activeRecords: 0, conditions: allRecovered }, false))).toBe(false);
  });
});

describe("stop --all racing another creator", () => {
  const engagedKs = { ...ks(2, { observedGeneration: 2, activeRecords: 0, conditions: allRecovered }), spec: { engaged: true, reason: "incident", engagedBy: "bob" } };
  let firstGet: SentRequest | undefined;
  /** The first GET says absent, the POST meets a KillSwitch created meanwhile (409), the PATCH succeeds. */
  const racing = (r: SentRequest) => {
    if (r.method === "GET" && r.path === killSwitchPath) return r === firstGet ? undefined : { status: 200, body: engagedKs };
    if (r.path === "/apis/authentication.k8s.io/v1/selfsubjectreviews") return { status: 201, body: { status: { userInfo: { username: "bob" } } } };
    if (r.method === "POST") return { status: 409, body: { kind: "Status", reason: "AlreadyExists", message: 'killswitches.faultline.chaos-mesh.org "cluster" already exists' } };
    if (r.method === "PATCH" && r.path === killSwitchPath) return { status: 200, body: engagedKs };
    return undefined;
  };

  it.each([true, false])("patches the KillSwitch the other one created (a 409 on create), and waits for it (wait %s): exit 0", async (wait) => {
    firstGet = undefined;
    const kube = fakeKube((r) => {
      if (firstGet === undefined && r.method === "GET") firstGet = r;
      return racing(r);
    });
    const io = bufferIo();
    expect(await runStopOrResume(kube, io, { action: "stop", namespace: "shop", reason: "incident", wait, timeoutMs: 5000, output: "json" })).toBe(0);
    expect(kube.sent.map((r) => `${r.method} ${r.path}`).slice(0, 4)).toEqual([
      `GET ${killSwitchPath}`,
      "POST /apis/authentication.k8s.io/v1/selfsubjectreviews",
      "POST /apis/faultline.chaos-mesh.org/v1alpha1/killswitches",
      `PATCH ${killSwitchPath}`,
    ]);
    expect(kube.sent[3]!.body).toEqual({ spec: { engaged: true, reason: "incident", engagedBy: "bob" } });
    expect(JSON.parse(io.out()).spec).toEqual({ engaged: true, reason: "incident", engagedBy: "bob" });
  });
});
