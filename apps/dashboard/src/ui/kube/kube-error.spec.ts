import { KubeError, accessOf, kubeErrorOf, parseForbiddenMessage, permissionText } from "./kube-error.js";

const forbiddenStatus = (message: string, kind = "podchaos") => ({ kind: "Status", apiVersion: "v1", status: "Failure", message, reason: "Forbidden", details: { name: "web", group: "chaos-mesh.org", kind }, code: 403 });

describe("parseForbiddenMessage", () => {
  it("reads the verb, resource and namespace of a namespaced refusal", () => {
    expect(parseForbiddenMessage(`podchaos.chaos-mesh.org "web" is forbidden: User "alice" cannot delete resource "podchaos" in API group "chaos-mesh.org" in the namespace "shop"`)).toEqual({ verb: "delete", resource: "podchaos", namespace: "shop" });
  });
  it("reads a cluster-scope refusal without a namespace", () => {
    expect(parseForbiddenMessage(`podchaos.chaos-mesh.org is forbidden: User "system:serviceaccount:x:y" cannot list resource "podchaos" in API group "chaos-mesh.org" at the cluster scope`)).toEqual({ verb: "list", resource: "podchaos" });
  });
  it("reads the core group (no API group) and subresources", () => {
    expect(parseForbiddenMessage(`pods "p" is forbidden: User "bob" cannot get resource "pods/log" in API group "" in the namespace "default"`)).toEqual({ verb: "get", resource: "pods/log", namespace: "default" });
  });
  it("is undefined for other messages", () => {
    expect(parseForbiddenMessage("the server could not find the requested resource")).toBeUndefined();
  });
});

describe("accessOf", () => {
  it.each([
    ["GET", "apis/chaos-mesh.org/v1alpha1/namespaces/shop/podchaos", { verb: "list", resource: "podchaos", namespace: "shop" }],
    ["GET", "/apis/chaos-mesh.org/v1alpha1/podchaos", { verb: "list", resource: "podchaos" }],
    ["GET", "apis/chaos-mesh.org/v1alpha1/namespaces/shop/podchaos?watch=1&resourceVersion=5", { verb: "watch", resource: "podchaos", namespace: "shop" }],
    ["GET", "api/v1/namespaces/chaos-mesh/configmaps/faultline-status", { verb: "get", resource: "configmaps", namespace: "chaos-mesh", name: "faultline-status" }],
    ["PATCH", "apis/chaos-mesh.org/v1alpha1/namespaces/shop/podchaos/web", { verb: "patch", resource: "podchaos", namespace: "shop", name: "web" }],
    ["DELETE", "apis/chaos-mesh.org/v1alpha1/namespaces/shop/podchaos/web", { verb: "delete", resource: "podchaos", namespace: "shop", name: "web" }],
    ["POST", "apis/faultline.chaos-mesh.org/v1alpha1/killswitches", { verb: "create", resource: "killswitches" }],
    ["PUT", "apis/chaos-mesh.org/v1alpha1/namespaces/a%20b/podchaos/web/status", { verb: "update", resource: "podchaos/status", namespace: "a b", name: "web" }],
    ["GET", "api/v1/namespaces/shop", { verb: "get", resource: "namespaces", name: "shop" }],
  ])("%s %s", (method, path, expected) => {
    expect(accessOf(method, path)).toEqual(expected);
  });
  it("is undefined for discovery and unknown paths", () => {
    expect(accessOf("GET", "apis/chaos-mesh.org/v1alpha1")).toBeUndefined();
    expect(accessOf("GET", "openapi/v3")).toBeUndefined();
  });
});

describe("kubeErrorOf and permissionText", () => {
  it("a 403 Status gives the sentence naming the verb, resource and namespace", () => {
    const error = kubeErrorOf(403, forbiddenStatus(`podchaos.chaos-mesh.org "web" is forbidden: User "alice" cannot delete resource "podchaos" in API group "chaos-mesh.org" in the namespace "x"`), "DELETE", "apis/chaos-mesh.org/v1alpha1/namespaces/x/podchaos/web");
    expect(error).toBeInstanceOf(KubeError);
    expect(error).toMatchObject({ code: 403, reason: "Forbidden", verb: "delete", resource: "podchaos", namespace: "x" });
    expect(permissionText(error)).toBe("You cannot delete podchaos in namespace x");
  });
  it("a cluster-wide refusal says so", () => {
    const error = kubeErrorOf(403, forbiddenStatus(`podchaos.chaos-mesh.org is forbidden: User "alice" cannot list resource "podchaos" in API group "chaos-mesh.org" at the cluster scope`), "GET", "apis/chaos-mesh.org/v1alpha1/podchaos");
    expect(permissionText(error)).toBe("You cannot list podchaos (cluster-wide)");
  });
  it("a 403 whose message is not the API server's form falls back on the URL", () => {
    const error = kubeErrorOf(403, forbiddenStatus("access denied by policy"), "GET", "api/v1/namespaces/chaos-mesh/configmaps/faultline-status");
    expect(permissionText(error)).toBe("You cannot get configmaps in namespace chaos-mesh");
  });
  it("other errors keep the API server's message", () => {
    const error = kubeErrorOf(404, { kind: "Status", message: `podchaos.chaos-mesh.org "web" not found`, reason: "NotFound", code: 404 }, "GET", "apis/chaos-mesh.org/v1alpha1/namespaces/x/podchaos/web");
    expect(error.forbidden).toBe(false);
    expect(error.reason).toBe("NotFound");
    expect(permissionText(error)).toBe(`podchaos.chaos-mesh.org "web" not found`);
  });
  it("a body that is not a Status: its text is the message, the reason from the code", () => {
    const error = kubeErrorOf(502, "upstream connect error", "GET", "api/v1/pods");
    expect(error).toMatchObject({ code: 502, reason: "InternalError", message: "upstream connect error" });
    expect(kubeErrorOf(500, "", "GET", "api/v1/pods").message).toBe("GET api/v1/pods: HTTP 500");
  });
});
