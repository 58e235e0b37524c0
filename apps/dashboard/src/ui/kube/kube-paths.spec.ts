import { chaosResource, collectionPath, coreResource, groupPath, objectPath, pathSegment } from "./kube-paths.js";

describe("kube paths", () => {
  it("encodes every segment, so a value holding '/' stays one segment", () => {
    expect(collectionPath(chaosResource("..%2F..%2Fapi"), "a b")).toBe("apis/chaos-mesh.org/v1alpha1/namespaces/a%20b/..%252F..%252Fapi");
    expect(collectionPath(chaosResource("../../../../api/v1/namespaces"), "default")).toBe("apis/chaos-mesh.org/v1alpha1/namespaces/default/..%2F..%2F..%2F..%2Fapi%2Fv1%2Fnamespaces");
    expect(objectPath(chaosResource("podchaos"), "shop", "x/../y")).toBe("apis/chaos-mesh.org/v1alpha1/namespaces/shop/podchaos/x%2F..%2Fy");
    expect(objectPath(coreResource("configmaps"), "ns", "cm")).toBe("api/v1/namespaces/ns/configmaps/cm");
    expect(collectionPath(chaosResource("podchaos"))).toBe("apis/chaos-mesh.org/v1alpha1/podchaos");
    expect(groupPath("faultline.chaos-mesh.org", "v1alpha1")).toBe("apis/faultline.chaos-mesh.org/v1alpha1");
  });

  it.each(["", ".", ".."])("refuses the segment %j (the browser would resolve it)", (bad) => {
    expect(() => pathSegment(bad)).toThrow(/not a valid name/);
    expect(() => collectionPath(chaosResource(bad), "default")).toThrow(/resource/);
    expect(() => objectPath(chaosResource("podchaos"), "default", bad)).toThrow(/name/);
    if (bad !== "") expect(() => collectionPath(chaosResource("podchaos"), bad)).toThrow(/namespace/);
  });
});
