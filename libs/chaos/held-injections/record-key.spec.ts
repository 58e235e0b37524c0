import { heldRecordKey, heldRecordKeyOf, parseHeldContainerRecordKey, parseHeldPodRecordKey, parseHeldRecordKey } from "./record-key.js";

describe("heldRecordKey / parseHeldRecordKey", () => {
  const uid = "0b5f2a4c-1d2e-4f60-8a9b-0c1d2e3f4a5b";
  const isContainerRecord = (id: string) => id.split("/").length === 3 && !id.split("/").includes("");

  it("is the experiment's uid and the record id, and parses back", () => {
    expect(heldRecordKey(uid, "app/web-0/main")).toBe(`${uid}/app/web-0/main`);
    expect(parseHeldRecordKey(`${uid}/app/web-0/main`, isContainerRecord)).toEqual({ uid, recordId: "app/web-0/main" });
  });

  it("parses no other shape: the namespace/name fallback of an object without a uid, a record id the kind does not make, nothing", () => {
    expect(parseHeldRecordKey(heldRecordKey("app/example", "app/web-0/main"), isContainerRecord)).toBeUndefined();
    expect(parseHeldRecordKey(`${uid}/web-0`, isContainerRecord)).toBeUndefined();
    expect(parseHeldRecordKey(`${uid.toUpperCase()}/app/web-0/main`, isContainerRecord)).toBeUndefined();
    expect(parseHeldRecordKey("", isContainerRecord)).toBeUndefined();
    expect(parseHeldRecordKey("/app/web-0/main", isContainerRecord)).toBeUndefined();
  });

  it("has a container and a pod kind's parser, each refusing the other's record ids", () => {
    expect(parseHeldContainerRecordKey(`${uid}/app/web-0/main`)).toEqual({ uid, recordId: "app/web-0/main" });
    expect(parseHeldContainerRecordKey(`${uid}/app/web-0`)).toBeUndefined();
    expect(parseHeldPodRecordKey(`${uid}/app/web-0`)).toEqual({ uid, recordId: "app/web-0" });
    expect(parseHeldPodRecordKey(`${uid}/app/web-0/main`)).toBeUndefined();
    expect(parseHeldPodRecordKey("chaos-mesh/containerd://abc")).toBeUndefined(); // HTTPChaos's ApplyHttpChaos key, a Chaos Mesh manager's
  });
});

describe("heldRecordKeyOf", () => {
  it("keys an object's record by its uid, else (an object without one, only in tests) by its namespace/name", () => {
    const uid = "0b5f2a4c-1d2e-4f60-8a9b-0c1d2e3f4a5b";
    expect(heldRecordKeyOf({ metadata: { uid } }, "ns/pod/c", "ns/x")).toBe(`${uid}/ns/pod/c`);
    expect(heldRecordKeyOf({ metadata: {} }, "ns/pod/c", "ns/x")).toBe("ns/x/ns/pod/c");
  });
});
