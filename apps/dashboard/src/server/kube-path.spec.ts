import { kubePathOf } from "./kube-path.js";

describe("kubePathOf (the path allowlist)", () => {
  it("forwards api/, apis/ and openapi/ as sent", () => {
    expect(kubePathOf("/api/kube/api/v1/namespaces")).toEqual({ ok: true, path: "api/v1/namespaces" });
    expect(kubePathOf("/api/kube/apis/chaos-mesh.org/v1alpha1/namespaces/a%20b/podchaos")).toEqual({ ok: true, path: "apis/chaos-mesh.org/v1alpha1/namespaces/a%20b/podchaos" });
    expect(kubePathOf("/api/kube/openapi/v3/apis/chaos-mesh.org/v1alpha1")).toEqual({ ok: true, path: "openapi/v3/apis/chaos-mesh.org/v1alpha1" });
  });

  it("refuses every other path of the API server with 404", () => {
    for (const path of ["healthz", "metrics", "logs/kube-apiserver.log", "debug/pprof", "version", "", "apis", "api", "openapiv2"]) {
      expect(kubePathOf(`/api/kube/${path}`)).toMatchObject({ ok: false, code: 404 });
    }
    expect(kubePathOf("/api/kube/metrics")).toMatchObject({ message: "the dashboard forwards only api/…, apis/…, openapi/… to the API server, not metrics" });
  });

  it("refuses dot segments and encoded slashes (they would leave the allowed prefixes) with 400", () => {
    for (const path of ["api/../metrics", "api/./v1", "apis/%2e%2e/metrics", "api/%2E./metrics", "api/v1%2f..%2fmetrics", "api/v1/%5c..", "api/%zz"]) {
      expect(kubePathOf(`/api/kube/${path}`)).toMatchObject({ ok: false, code: 400 });
    }
  });

  it("answers 404 outside the route", () => {
    expect(kubePathOf("/api/config")).toMatchObject({ ok: false, code: 404 });
  });
});
