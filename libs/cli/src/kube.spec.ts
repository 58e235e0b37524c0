import { apiErrorFor, describeAccess } from "./kube.js";

describe("API errors", () => {
  it("a 403 names the verb, resource, group, name and namespace the user lacks", () => {
    const err = apiErrorFor(403, { kind: "Status", message: 'podchaos.chaos-mesh.org is forbidden: User "bob" cannot list resource "podchaos"', reason: "Forbidden" }, { verb: "list", resource: "podchaos", group: "chaos-mesh.org", namespace: "shop" });
    expect(err.status).toBe(403);
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe('forbidden: your RBAC does not allow: list podchaos.chaos-mesh.org in namespace shop (the API server: podchaos.chaos-mesh.org is forbidden: User "bob" cannot list resource "podchaos")');
  });

  it("describes cluster-scoped and core resources", () => {
    expect(describeAccess({ verb: "patch", resource: "killswitches", group: "faultline.chaos-mesh.org", name: "cluster" })).toBe('patch killswitches.faultline.chaos-mesh.org "cluster" (cluster-wide)');
    expect(describeAccess({ verb: "list", resource: "pods", group: "", namespace: "a" })).toBe("list pods in namespace a");
  });

  it("a 404 names the object, other answers the status and the API server's message", () => {
    expect(apiErrorFor(404, "404 page not found", { verb: "get", resource: "configmaps", group: "", namespace: "x", name: "y" }).message).toBe('not found: configmaps "y" in namespace x (404 page not found)');
    expect(apiErrorFor(500, { message: "etcd down" }, { verb: "get", resource: "pods", group: "", namespace: "x" }).message).toBe("get pods in namespace x failed with HTTP 500: etcd down");
  });
});
