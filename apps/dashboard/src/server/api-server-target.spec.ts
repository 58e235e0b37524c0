import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { apiServerTarget, DashboardStartError, ForwardError, loadKubeConfig } from "./api-server-target.js";

const dir = mkdtempSync(join(tmpdir(), "dashboard-target-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const kubeconfig = file(
  "config",
  `apiVersion: v1
kind: Config
clusters:
- {name: one, cluster: {server: "https://one.example:6443/prefix/"}}
- {name: two, cluster: {server: "https://two.example:443"}}
users:
- {name: alice, user: {token: alice-token}}
- {name: bob, user: {token: bob-token}}
contexts:
- {name: a, context: {cluster: one, user: alice}}
- {name: b, context: {cluster: two, user: bob}}
current-context: a
`,
);
const browser = { accept: "application/json", "content-type": "application/merge-patch+json", "content-length": "12", cookie: "c=1", "x-faultline-session": "s", authorization: "Bearer from-the-browser", "impersonate-user": "root", host: "127.0.0.1:7070" };

describe("kubeconfig mode", () => {
  it("adds the kubeconfig's credentials and never the browser's", async () => {
    const target = apiServerTarget({ mode: "kubeconfig", kubeconfig }, { userAgent: "ua" });
    expect({ server: target.server.href, context: target.context, user: target.user }).toEqual({ server: "https://one.example:6443/prefix", context: "a", user: "alice" });
    const options = await target.requestOptions("PATCH", "api/v1/namespaces/x?dryRun=All", browser);
    expect(options).toMatchObject({ method: "PATCH", hostname: "one.example", port: "6443", path: "/prefix/api/v1/namespaces/x?dryRun=All" });
    expect(options.headers).toEqual({ "user-agent": "ua", accept: "application/json", "content-type": "application/merge-patch+json", "content-length": "12", Authorization: "Bearer alice-token" });
  });

  it("--context picks the context; a missing one is named with those the file has", async () => {
    const target = apiServerTarget({ mode: "kubeconfig", kubeconfig, context: "b" }, { userAgent: "ua" });
    expect((await target.requestOptions("GET", "api", {})).headers).toMatchObject({ Authorization: "Bearer bob-token" });
    expect(() => loadKubeConfig({ kubeconfig, context: "c" })).toThrow(`--context c: no such context in the kubeconfig --kubeconfig ${kubeconfig} (it has: a, b)`);
  });

  it("$KUBECONFIG, else ~/.kube/config; never in-cluster credentials", () => {
    expect(loadKubeConfig({}, { KUBECONFIG: `${join(dir, "none")}:${kubeconfig}` }).getCurrentContext()).toBe("a");
    expect(() => loadKubeConfig({}, { HOME: dir, KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" })).toThrow(new DashboardStartError(`cannot load the kubeconfig ${join(dir, ".kube", "config")}: no such file (pass --kubeconfig; in a pod use --in-cluster, token mode)`));
    expect(() => loadKubeConfig({ kubeconfig: file("bad", "{{{") })).toThrow(/^cannot load the kubeconfig --kubeconfig .*bad: /);
  });
});

describe("token mode", () => {
  const target = apiServerTarget({ mode: "token", apiServer: new URL("https://10.0.0.1:6443"), caFile: file("ca.crt", pem) }, { userAgent: "ua" });
  afterAll(() => target.close());

  it("forwards the browser's Authorization header unchanged, and nothing of its own", async () => {
    const options = await target.requestOptions("GET", "apis/chaos-mesh.org/v1alpha1?watch=1", browser);
    expect(options).toMatchObject({ method: "GET", hostname: "10.0.0.1", port: "6443", path: "/apis/chaos-mesh.org/v1alpha1?watch=1" });
    expect(options.headers).toEqual({ "user-agent": "ua", accept: "application/json", "content-type": "application/merge-patch+json", "content-length": "12", authorization: "Bearer from-the-browser" });
  });

  it("without a bearer token: 401 'sign in with a bearer token'", async () => {
    const refusal = (headers: { [name: string]: string }) => target.requestOptions("GET", "api/v1/namespaces", headers).then(() => undefined, (err: unknown) => err);
    for (const headers of [{}, { authorization: "Basic dXNlcjpwYXNz" }, { authorization: "Bearer" }] as { [name: string]: string }[]) {
      const err = await refusal(headers);
      expect(err).toBeInstanceOf(ForwardError);
      expect(err).toMatchObject({ code: 401, reason: "Unauthorized" });
      expect((err as Error).message).toMatch(/^sign in with a bearer token/);
    }
  });

  it("an unreadable or non-PEM --ca-file is named at start", () => {
    expect(() => apiServerTarget({ mode: "token", apiServer: new URL("https://a:1"), caFile: join(dir, "missing.crt") }, { userAgent: "ua" })).toThrow(new RegExp(`^--ca-file ${join(dir, "missing.crt")}: cannot read it: ENOENT`));
    expect(() => apiServerTarget({ mode: "token", apiServer: new URL("https://a:1"), caFile: file("not.crt", "hello") }, { userAgent: "ua" })).toThrow(/: not a PEM certificate/);
  });
});
