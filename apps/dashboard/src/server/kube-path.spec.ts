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

  it("refuses proxy, exec, attach and portforward (a workload's page would come back from the dashboard's origin) with 404", () => {
    for (const path of [
      "api/v1/namespaces/shop/pods/web/proxy",
      "api/v1/namespaces/shop/pods/web:8080/proxy/index.html",
      "api/v1/namespaces/shop/services/web/proxy/",
      "api/v1/namespaces/shop/services/https:web:443/proxy/x",
      "api/v1/nodes/n1/proxy/metrics",
      "api/v1/namespaces/shop/pods/web/exec?command=sh",
      "api/v1/namespaces/shop/pods/web/attach",
      "api/v1/namespaces/shop/pods/web/portforward",
      "api/v1/namespaces/shop/pods/web/%70roxy",
      "api/v1/namespaces/shop/pods/web/PROXY",
      "api/v1/proxy/namespaces/shop/pods/web",
      "apis/example.com/v1/namespaces/shop/widgets/w/proxy",
      "apis/example.com/v1/things/t/exec",
    ]) {
      const result = kubePathOf(`/api/kube/${path.split("?")[0]}`);
      expect([path, result.ok, !result.ok && result.code]).toEqual([path, false, 404]);
    }
    expect(kubePathOf("/api/kube/api/v1/namespaces/a/pods/b/exec")).toMatchObject({ message: "the dashboard does not forward exec (proxy, exec, attach, portforward reach into workloads; the dashboard needs none of them): api/v1/namespaces/a/pods/b/exec" });
  });

  it("a namespace or a collection may still be named like one (only the subresource position is refused)", () => {
    for (const path of ["api/v1/namespaces/proxy", "api/v1/namespaces/proxy/pods", "api/v1/namespaces/exec/pods/web/log", "api/v1/namespaces/shop/pods/web/status", "apis/chaos-mesh.org/v1alpha1/namespaces/attach/podchaos/portforward", "api/v1/watch/namespaces/proxy/pods"]) {
      expect(kubePathOf(`/api/kube/${path}`)).toEqual({ ok: true, path });
    }
  });

  it("answers 404 outside the route", () => {
    expect(kubePathOf("/api/config")).toMatchObject({ ok: false, code: 404 });
  });
});
