import { describeObject, namespacedResourcesOf, resourcePath } from "./api-resources.js";

// trimmed from what a v1.34 API server answers to /api and /apis with the aggregated discovery Accept header
const core = {
  kind: "APIGroupDiscoveryList",
  apiVersion: "apidiscovery.k8s.io/v2",
  items: [
    {
      metadata: { creationTimestamp: null },
      versions: [
        {
          version: "v1",
          resources: [
            { resource: "pods", scope: "Namespaced", verbs: ["create", "delete", "deletecollection", "get", "list"], subresources: [{ subresource: "log" }] },
            { resource: "namespaces", scope: "Cluster", verbs: ["create", "delete", "get", "list"] },
            { resource: "bindings", scope: "Namespaced", verbs: ["create"] },
          ],
          freshness: "Current",
        },
      ],
    },
  ],
};
const groups = {
  kind: "APIGroupDiscoveryList",
  apiVersion: "apidiscovery.k8s.io/v2",
  items: [
    { metadata: { name: "apps" }, versions: [{ version: "v1", resources: [{ resource: "deployments", scope: "Namespaced", verbs: ["list", "deletecollection"] }] }] },
    {
      metadata: { name: "chaos-mesh.org" },
      versions: [
        { version: "v1alpha1", resources: [{ resource: "podchaos", scope: "Namespaced", verbs: ["list"] }] },
        { version: "v1alpha0", resources: [{ resource: "podchaos", scope: "Namespaced", verbs: ["list"] }] },
      ],
    },
    { metadata: { name: "rbac.authorization.k8s.io" }, versions: [{ version: "v1", resources: [{ resource: "clusterroles", scope: "Cluster", verbs: ["list"] }] }] },
    { metadata: { name: "empty.example" }, versions: [] },
  ],
};

describe("namespacedResourcesOf", () => {
  it("keeps the namespaced types of each group's preferred (first) version, core as plain v1", () => {
    expect(namespacedResourcesOf([core, groups])).toEqual([
      { groupVersion: "v1", resource: "pods", verbs: ["create", "delete", "deletecollection", "get", "list"] },
      { groupVersion: "v1", resource: "bindings", verbs: ["create"] },
      { groupVersion: "apps/v1", resource: "deployments", verbs: ["list", "deletecollection"] },
      { groupVersion: "chaos-mesh.org/v1alpha1", resource: "podchaos", verbs: ["list"] },
    ]);
  });

  it("refuses a document that is not aggregated discovery (an API server that ignored the Accept header)", () => {
    expect(() => namespacedResourcesOf([{ kind: "APIGroupList" }])).toThrow(/aggregated discovery.*"APIGroupList"/);
  });
});

describe("resourcePath and describeObject", () => {
  it("puts core types under /api and the others under /apis, in a namespace or across all", () => {
    expect(resourcePath({ groupVersion: "v1", resource: "pods" }, "busybox")).toBe("/api/v1/namespaces/busybox/pods");
    expect(resourcePath({ groupVersion: "apps/v1", resource: "deployments" })).toBe("/apis/apps/v1/deployments");
  });

  it("names an object as kubectl would, with its group", () => {
    expect(describeObject({ groupVersion: "apps/v1", resource: "deployments", namespace: "busybox", name: "busybox" })).toBe("deployments.apps busybox/busybox");
    expect(describeObject({ groupVersion: "v1", resource: "pods", namespace: "a", name: "p" })).toBe("pods a/p");
  });
});
