// The dashboard server against the local cluster's API server: kubeconfig mode (session secret,
// Host check, a watch streamed live, exec plugins), token mode (the browser's bearer token only,
// the API server's refusals passed through unchanged), and the built binary.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CoreV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { createTestNamespace, eventually, localCluster, type LocalCluster } from "@faultline/test-ground";
import { startDashboardServer, type DashboardServer } from "./index.js";
import { sessionHeader } from "./request-guards.js";

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const builtMain = fileURLToPath(new URL("../../dist/server/main.js", import.meta.url));

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: () => { kind?: string; message?: string; reason?: string; code?: number; items?: { metadata: { name: string } }[] };
}

/** One plain HTTP request to the dashboard (node:http, so a test may send any Host header, and the path goes as written). */
function call(url: string, options: { method?: string; headers?: { [name: string]: string }; body?: string } = {}): Promise<Answer> {
  const [, host, port, path] = /^http:\/\/([^/:]+):(\d+)(\/.*)$/.exec(url)!;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port, path, method: options.method ?? "GET", headers: options.headers ?? {} }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

interface MuxLine {
  id: string;
  event?: { type: string; object: { metadata: { name: string } } };
  end?: true;
  code?: number;
  status?: { kind: string; code: number; reason: string; message: string };
}

/** POST api/watches, read as it streams: the status, the lines so far, and a way to close it. */
async function openWatches(url: string, headers: { [name: string]: string }, watches: { id: string; path: string }[]) {
  const lines: MuxLine[] = [];
  let ended = false;
  let pending = "";
  let req!: ReturnType<typeof httpRequest>;
  const status = await new Promise<number>((resolve, reject) => {
    req = httpRequest(`${url}api/watches`, { method: "POST", headers: { ...headers, "content-type": "application/json" } }, (res) => {
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        pending += d;
        const parts = pending.split("\n");
        pending = parts.pop()!;
        for (const part of parts) if (part.trim() !== "") lines.push(JSON.parse(part) as MuxLine);
      });
      res.on("close", () => (ended = true));
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end(JSON.stringify({ watches }));
  });
  return { status, lines, ended: () => ended, close: () => req.destroy() };
}

let cluster: LocalCluster;
let core: CoreV1Api;
let ns: string;
let removeNamespace: () => Promise<void>;
let token: string;

beforeAll(async () => {
  cluster = await localCluster("api-only");
  core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  const created = await createTestNamespace(cluster.kubeConfig, "dashboard-server");
  ns = created.name;
  removeNamespace = created.remove;
  // a user who may read ConfigMaps of the test namespace, and nothing else
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: "viewer" } } });
  const rbac = cluster.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: "configmap-reader" }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }] } });
  await rbac.createNamespacedRoleBinding({ namespace: ns, body: { metadata: { name: "viewer" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "configmap-reader" }, subjects: [{ kind: "ServiceAccount", name: "viewer", namespace: ns }] } });
  token = (await core.createNamespacedServiceAccountToken({ namespace: ns, name: "viewer", body: { spec: { audiences: [], expirationSeconds: 600 } } })).status!.token!;
}, 60_000);

afterAll(async () => {
  await removeNamespace?.();
}, 60_000);

describe("kubeconfig mode", () => {
  let server: DashboardServer;
  beforeAll(async () => {
    server = await startDashboardServer({ kubeconfig: cluster.kubeconfigPath, port: 0 });
  });
  afterAll(() => server.close());
  const session = () => ({ [sessionHeader]: server.session! });

  it("prints a URL with the session secret on 127.0.0.1 and tells the UI its cluster", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.sessionUrl).toBe(`${server.url}?session=${server.session}`);
    const config = await call(`${server.url}api/config`);
    expect(config.status).toBe(200);
    expect(JSON.parse(config.text)).toEqual({ mode: "kubeconfig", cluster: cluster.server, context: cluster.kubeConfig.getCurrentContext(), user: cluster.kubeConfig.getCurrentUser()!.name, faultlineNamespace: "chaos-mesh", version: "0.1.0" });
    expect(config.headers).toMatchObject({ "x-frame-options": "DENY", "referrer-policy": "no-referrer" });
    expect(config.headers["content-security-policy"]).toMatch(/^default-src 'self'; style-src 'self' 'unsafe-inline'/);
    expect(Object.keys(config.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
  });

  it("lists namespaces through the proxy with the session header (the kubeconfig's credentials)", async () => {
    const list = await call(`${server.url}api/kube/api/v1/namespaces`, { headers: session() });
    expect(list.status).toBe(200);
    expect(list.headers["content-type"]).toBe("application/json");
    expect(list.json().items!.map((n) => n.metadata.name)).toContain(ns);
  });

  it("401 Status without the session header, with a wrong one, and for a wrong Host", async () => {
    for (const headers of [{}, { [sessionHeader]: "guessed" }, { ...session(), host: `evil.example:${new URL(server.url).port}` }] as { [name: string]: string }[]) {
      const refused = await call(`${server.url}api/kube/api/v1/namespaces`, { headers });
      expect(refused.status).toBe(401);
      expect(refused.json()).toMatchObject({ kind: "Status", status: "Failure", reason: "Unauthorized", code: 401 });
    }
    // the Host check covers every path, the UI's files and api/config too
    expect((await call(`${server.url}api/config`, { headers: { host: "evil.example" } })).status).toBe(401);
    // localhost is the same address
    expect((await call(`${server.url}api/kube/api/v1/namespaces/${ns}`, { headers: { ...session(), host: `localhost:${new URL(server.url).port}` } })).status).toBe(200);
  });

  it("only api/, apis/ and openapi/ reach the API server", async () => {
    const metrics = await call(`${server.url}api/kube/metrics`, { headers: session() });
    expect(metrics.status).toBe(404);
    expect(metrics.json()).toMatchObject({ kind: "Status", reason: "NotFound" });
    expect((await call(`${server.url}api/kube/api/%2e%2e/metrics`, { headers: session() })).status).toBe(400);
    const openapi = await call(`${server.url}api/kube/openapi/v3`, { headers: session() });
    expect(openapi.status).toBe(200);
    expect(openapi.text).toContain('"paths"');
  });

  it("forwards bodies: POST, merge PATCH, DELETE; the API server's Status on an error unchanged", async () => {
    const base = `${server.url}api/kube/api/v1/namespaces/${ns}/configmaps`;
    const created = await call(base, { method: "POST", headers: { ...session(), "content-type": "application/json" }, body: JSON.stringify({ metadata: { name: "posted" }, data: { a: "1" } }) });
    expect(created.status).toBe(201);
    const patched = await call(`${base}/posted`, { method: "PATCH", headers: { ...session(), "content-type": "application/merge-patch+json" }, body: JSON.stringify({ data: { b: "2" } }) });
    expect(patched.status).toBe(200);
    expect((await core.readNamespacedConfigMap({ namespace: ns, name: "posted" })).data).toEqual({ a: "1", b: "2" });
    const conflict = await call(base, { method: "POST", headers: { ...session(), "content-type": "application/json" }, body: JSON.stringify({ metadata: { name: "posted" } }) });
    expect(conflict.status).toBe(409);
    expect(conflict.json()).toMatchObject({ kind: "Status", reason: "AlreadyExists", message: 'configmaps "posted" already exists' });
    expect((await call(`${base}/posted`, { method: "DELETE", headers: session() })).status).toBe(200);
    expect((await call(`${base}/posted`, { method: "OPTIONS", headers: session() })).status).toBe(405);
  });

  it("a ?watch=1 request streams an event for an object created during the watch; close() ends the watch", async () => {
    const list = await call(`${server.url}api/kube/api/v1/namespaces/${ns}/configmaps`, { headers: session() });
    const resourceVersion = (JSON.parse(list.text) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    // a server of its own: closing it must end its open watch
    const own = await startDashboardServer({ kubeconfig: cluster.kubeconfigPath, port: 0 });
    let received = "";
    let ended = false;
    const watching = new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${own.url}api/kube/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${resourceVersion}`, { headers: { [sessionHeader]: own.session! } }, (res) => {
        res.setEncoding("utf8");
        res.on("data", (d: string) => (received += d));
        res.on("close", () => {
          ended = true;
        });
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    try {
      expect(await watching).toBe(200);
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "watched" }, data: { x: "y" } } });
      const event = await eventually("the ADDED event of watched", async () => {
        const lines = received.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } });
        return lines.find((e) => e.type === "ADDED" && e.object.metadata.name === "watched");
      }, 10_000);
      expect(event.object.metadata.name).toBe("watched");
      expect(ended).toBe(false);
    } finally {
      // close ends the open watch rather than waiting for the API server to end it (minutes); the
      // bound leaves a loaded machine room
      const started = Date.now();
      await own.close();
      expect(Date.now() - started).toBeLessThan(10_000);
    }
    await eventually("the watch ended", async () => (ended ? true : undefined), 5_000);
  });

  it("api/watches: two watches on ONE stream each get their ADDED event; closing the stream ends both watches to the API server", async () => {
    const own = await startDashboardServer({ kubeconfig: cluster.kubeconfigPath, port: 0 });
    try {
      const headers = { [sessionHeader]: own.session! };
      const rv = async (path: string) => (JSON.parse((await call(`${own.url}api/kube/${path}`, { headers })).text) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
      const configmaps = `api/v1/namespaces/${ns}/configmaps`;
      const secrets = `api/v1/namespaces/${ns}/secrets`;
      const stream = await openWatches(own.url, headers, [
        { id: "cm", path: `${configmaps}?watch=1&resourceVersion=${await rv(configmaps)}` },
        { id: "sec", path: `${secrets}?watch=1&resourceVersion=${await rv(secrets)}` },
      ]);
      expect(stream.status).toBe(200);
      await eventually("both watches open", async () => (own.openWatches() === 2 ? true : undefined), 5_000);
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "muxed" }, data: { x: "y" } } });
      await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: "muxed" }, stringData: { x: "y" } } });
      await eventually("both ADDED events", async () => {
        const added = stream.lines.filter((l) => l.event?.type === "ADDED" && l.event.object.metadata.name === "muxed").map((l) => l.id);
        return added.includes("cm") && added.includes("sec") ? true : undefined;
      }, 10_000);
      expect(stream.lines.filter((l) => l.end)).toEqual([]);
      // the same allowlist as api/kube: a refused path fails the whole request before any watch opens
      const refused = await call(`${own.url}api/watches`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify({ watches: [{ id: "x", path: `api/v1/namespaces/${ns}/pods/web/exec?watch=1` }] }) });
      expect(refused.status).toBe(404);
      expect(refused.json().message).toMatch(/^watches\[0\]\.path: the dashboard does not forward exec/);
      const noSession = await call(`${own.url}api/watches`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ watches: [{ id: "x", path: `${configmaps}?watch=1` }] }) });
      expect(noSession.status).toBe(401);
      stream.close();
      await eventually("the watches to the API server ended", async () => (own.openWatches() === 0 ? true : undefined), 5_000);
    } finally {
      await own.close();
    }
  });

  it("an exec plugin's credential is used (here: one that prints the viewer's token)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dashboard-exec-"));
    const credential = JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token } });
    const kubeconfig = join(dir, "config");
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${cluster.server}", certificate-authority: "${join(repoRoot, ".cluster/pki/ca.crt")}"}}]
users: [{name: viewer, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/sh, args: ["-c", ${JSON.stringify(`echo '${credential}'`)}], interactiveMode: Never}}}]
contexts: [{name: viewer, context: {cluster: c, user: viewer}}]
current-context: viewer
`,
    );
    const viaExec = await startDashboardServer({ kubeconfig, port: 0 });
    try {
      const headers = { [sessionHeader]: viaExec.session! };
      expect((await call(`${viaExec.url}api/kube/api/v1/namespaces/${ns}/configmaps`, { headers })).status).toBe(200);
      const refused = await call(`${viaExec.url}api/kube/api/v1/namespaces`, { headers });
      expect(refused.status).toBe(403);
      expect(refused.json().message).toContain(`User "system:serviceaccount:${ns}:viewer" cannot list resource "namespaces"`);
    } finally {
      await viaExec.close();
    }
  });
});

describe("token mode", () => {
  let server: DashboardServer;
  const caFile = join(repoRoot, ".cluster/pki/ca.crt");
  beforeAll(async () => {
    server = await startDashboardServer({ apiServer: cluster.server, caFile, port: 0 });
  });
  afterAll(() => server.close());

  /** The same request straight to the API server, with the token. */
  function direct(path: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(new URL(path, cluster.server), { ca: readFileSync(caFile), headers: { authorization: `Bearer ${token}`, accept: "application/json" } }, (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on("error", reject);
      req.end();
    });
  }

  it("no session secret; api/config says token mode", async () => {
    expect(server.sessionUrl).toBe(server.url);
    expect(JSON.parse((await call(`${server.url}api/config`)).text)).toEqual({ mode: "token", cluster: cluster.server, faultlineNamespace: "chaos-mesh", version: "0.1.0" });
  });

  it("401 'sign in with a bearer token' without a token (the server adds none of its own)", async () => {
    const refused = await call(`${server.url}api/kube/api/v1/namespaces/${ns}/configmaps`);
    expect(refused.status).toBe(401);
    expect(refused.json()).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
    expect(refused.json().message).toMatch(/^sign in with a bearer token/);
    // a token the API server does not know: its own 401
    const unknown = await call(`${server.url}api/kube/api/v1/namespaces/${ns}/configmaps`, { headers: { authorization: "Bearer not-a-token" } });
    expect(unknown.status).toBe(401);
    expect(unknown.json()).toMatchObject({ kind: "Status", message: "Unauthorized", code: 401 });
  });

  it("the ServiceAccount's own rights with its token; a 403 Status names the verb and resource, unchanged", async () => {
    const auth = { authorization: `Bearer ${token}` };
    const allowed = await call(`${server.url}api/kube/api/v1/namespaces/${ns}/configmaps`, { headers: auth });
    expect(allowed.status).toBe(200);
    const path = `api/v1/namespaces/${ns}/secrets`;
    const refused = await call(`${server.url}api/kube/${path}`, { headers: auth });
    expect(refused.status).toBe(403);
    expect(refused.headers["content-type"]).toBe("application/json");
    expect(refused.json()).toMatchObject({ kind: "Status", reason: "Forbidden", code: 403 });
    expect(refused.json().message).toBe(`secrets is forbidden: User "system:serviceaccount:${ns}:viewer" cannot list resource "secrets" in API group "" in the namespace "${ns}"`);
    const straight = await direct(`/${path}`);
    expect(straight.status).toBe(403);
    expect(refused.text).toBe(straight.text);
  });
  it("api/watches with the token's own rights: a refused watch ends with the API server's 403 Status, the other goes on", async () => {
    const auth = { authorization: `Bearer ${token}` };
    const configmaps = `api/v1/namespaces/${ns}/configmaps`;
    const stream = await openWatches(server.url, auth, [
      { id: "allowed", path: `${configmaps}?watch=1&resourceVersion=${(JSON.parse((await call(`${server.url}api/kube/${configmaps}`, { headers: auth })).text) as { metadata: { resourceVersion: string } }).metadata.resourceVersion}` },
      { id: "refused", path: `api/v1/namespaces/${ns}/secrets?watch=1` },
    ]);
    try {
      expect(stream.status).toBe(200);
      const end = await eventually("the refused watch's end", async () => stream.lines.find((l) => l.id === "refused" && l.end), 10_000);
      expect(end).toMatchObject({ id: "refused", end: true, code: 403, status: { kind: "Status", reason: "Forbidden", code: 403 } });
      expect(end.status!.message).toBe(`secrets is forbidden: User "system:serviceaccount:${ns}:viewer" cannot watch resource "secrets" in API group "" in the namespace "${ns}"`);
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "token-muxed" } } });
      await eventually("the allowed watch's ADDED", async () => stream.lines.find((l) => l.id === "allowed" && l.event?.type === "ADDED" && l.event.object.metadata.name === "token-muxed"), 10_000);
      expect(stream.ended()).toBe(false);
      // no token: the server's own 401, no watch opened
      const unsigned = await call(`${server.url}api/watches`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ watches: [{ id: "x", path: `${configmaps}?watch=1` }] }) });
      expect(unsigned.status).toBe(401);
      expect(unsigned.json().message).toMatch(/^sign in with a bearer token/);
    } finally {
      stream.close();
    }
    await eventually("the watch to the API server ended", async () => (server.openWatches() === 0 ? true : undefined), 5_000);
  });
});

describe("the built binary (dist/server/main.js)", () => {
  it("prints one line with the URL, serves, and stops on SIGTERM with exit 0", async () => {
    const child = spawn(process.execPath, [builtMain, "--kubeconfig", cluster.kubeconfigPath, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    try {
      const line = await eventually("the URL line", async () => /^Faultline dashboard: (http:\/\/127\.0\.0\.1:\d+\/)\?session=([\w-]{43})\n$/.exec(stdout) ?? undefined, 15_000);
      const [, url, secret] = line;
      const list = await call(`${url}api/kube/api/v1/namespaces/${ns}`, { headers: { [sessionHeader]: secret! } });
      expect(list.status).toBe(200);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stderr).toBe("faultline-dashboard: SIGTERM: stopping\n");
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("--in-cluster (as the chart runs it): the API server from KUBERNETES_SERVICE_HOST/PORT, token mode", async () => {
    const apiServer = new URL(cluster.server);
    const env = { ...process.env, KUBERNETES_SERVICE_HOST: apiServer.hostname, KUBERNETES_SERVICE_PORT: apiServer.port };
    const child = spawn(process.execPath, [builtMain, "--in-cluster", "--ca-file", join(repoRoot, ".cluster/pki/ca.crt"), "--host", "127.0.0.1", "--port", "0"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    try {
      const [, url] = await eventually("the URL line", async () => /^Faultline dashboard: (http:\/\/127\.0\.0\.1:\d+\/)\n$/.exec(stdout) ?? undefined, 15_000);
      expect(JSON.parse((await call(`${url}api/config`)).text)).toMatchObject({ mode: "token", cluster: `https://${apiServer.host}` });
      expect((await call(`${url}api/kube/api/v1/namespaces/${ns}/configmaps`)).status).toBe(401);
      expect((await call(`${url}api/kube/api/v1/namespaces/${ns}/configmaps`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("a bad flag: exit 2 with the flag named", async () => {
    const child = spawn(process.execPath, [builtMain, "--port", "x"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    expect(await new Promise((resolve) => child.on("close", resolve))).toBe(2);
    expect(stderr).toBe('faultline-dashboard: --port x: not a port (0 to 65535; 0 picks a free one)\nRun "faultline-dashboard --help" for usage.\n');
  });
});
