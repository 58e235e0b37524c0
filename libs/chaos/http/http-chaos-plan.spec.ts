import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { ExecHTTPChaosRequestSchema, NodeCapabilitiesSchema } from "@faultline/api";
import { callDaemonHandler, iptablesCommands } from "@faultline/daemon-server";
import type { CoreV1Api, V1Secret } from "@kubernetes/client-node";
import type { HTTPChaos } from "./http-chaos-crd.js";
import { containerId, fakePodNetnsWorld } from "../pod-netns-process/fake-pod-netns.test-support.js";
import { cid, notInjectedRecords, planCtx as ctx, planPod, planUid as uid, planThenApply, recordingManager } from "../record-plan/record-plan.test-support.js";
import { createHttpChaosDaemon } from "./http-chaos-daemon.js";
import { execHTTPChaosRequestOf, httpChaosManager } from "./http-chaos-manager.js";
import { execHTTPChaosCommands } from "./http-chaos-plan.js";
import type { ProxyLauncher, ProxyStart } from "./daemon/proxy-process.js";

// HTTPChaos's plan against in-memory seams: what it shows is what apply sends (a recording daemon),
// its TLS material left out; what the daemon would run is its own builders' (proxy argv, redirect).
const pod = (name: string, nodeName: string, containerID: string | undefined, hostNetwork = false) => planPod(name, nodeName, containerID, { hostNetwork, image: "nginx" });
const pods = [pod("web-0", "node-1", cid("a")), pod("web-1", "node-2", cid("b")), pod("web-2", "node-1", cid("c"), true), pod("web-3", "node-1", undefined)];
const chaos = (spec: Partial<HTTPChaos["spec"]> = {}): HTTPChaos => ({
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "HTTPChaos",
  metadata: { name: "example", namespace: "app", uid },
  spec: { selector: { namespaces: ["app"] }, mode: "all", target: "Request", port: 8080, path: "/api/*", abort: true, ...spec },
});
const records = notInjectedRecords(["app/web-0", "app/web-1", "app/web-2", "app/web-3"]);
const b64 = (text: string) => Buffer.from(text).toString("base64");
const secret: V1Secret = {
  metadata: { namespace: "app", name: "server-tls" },
  data: { "tls.crt": b64("-----BEGIN CERTIFICATE-----\nCERTBODY\n-----END CERTIFICATE-----\n"), "tls.key": b64("-----BEGIN PRIVATE KEY-----\nSECRETKEYBODY\n-----END PRIVATE KEY-----\n") },
};

const capabilities = (node: string) =>
  node === "node-2"
    ? { nodeName: node, iptablesBackend: "nf_tables", iptablesExtensions: ["statistic", "owner"] } // no nat REDIRECT
    : { nodeName: node, iptablesBackend: "nf_tables", iptablesExtensions: ["statistic", "REDIRECT", "owner"] };

const core = {
  async readNamespacedSecret({ namespace, name }: { namespace: string; name: string }) {
    if (namespace === "app" && name === "server-tls") return secret;
    throw Object.assign(new Error(`secrets "${name}" not found`), { code: 404 });
  },
} as Pick<CoreV1Api, "readNamespacedSecret">;
const setup = recordingManager(pods, capabilities, "execHTTPChaos", ExecHTTPChaosRequestSchema, (decoder) => httpChaosManager({ decoder, core, log: () => undefined, event: async () => undefined }));

describe("HTTPChaos plan", () => {
  it("shows the ExecHTTPChaos request apply sends, the proxy's argv and the redirect of the port to it", async () => {
    const { plan, sent } = await planThenApply(setup(), 0, records, chaos());
    expect(plan.capable).toBe(true);
    const [step] = plan.steps;
    expect(step!.rpc).toBe("ExecHTTPChaos");
    expect(step!.request).toEqual(sent[0]);
    expect(step!.request).toMatchObject({ containerId: cid("a"), recordKey: `${uid}/app/web-0` });
    const pid = `<host pid of container ${cid("a")}>`;
    expect(step!.argv).toEqual([
      [
        "nsenter", `--net=/proc/${pid}/ns/net`, "--",
        "setpriv", "--reuid", "2000080", "--regid", "2000080", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
        "node", "<daemon's http-proxy-main.js>", "--config", "config.json",
      ],
      ["nsenter", "-t", pid, "-n", "--", "iptables-restore", "-w", "5", "--noflush"],
    ]);
    expect(step!.note).toContain('"listeners":[{"port":15080,"serverPort":8080}]');
    expect(step!.note).toContain("-A FAULTLINE-HTTP -p tcp --dport 8080 -j REDIRECT --to-ports 15080");
    expect(step!.note).toContain("-I PREROUTING 1 -p tcp -j FAULTLINE-HTTP");
    expect(step!.note).toContain("TLS connections on port 8080 pass through the proxy untouched");
  });

  it("reads the TLS Secret as apply does but never shows its certificate or key", async () => {
    const { impl, sent } = setup();
    const withTls = chaos({ tls: { secretName: "server-tls" } });
    const plan = await impl.plan(ctx(), 0, records, withTls);
    await impl.apply(ctx(), 0, records, withTls);
    expect(plan.capable).toBe(true);
    expect(JSON.stringify(sent[0])).toContain("SECRETKEYBODY"); // apply sends it
    expect(JSON.stringify(plan)).not.toContain("SECRETKEYBODY");
    expect(JSON.stringify(plan)).not.toContain("CERTBODY");
    expect(plan.steps[0]!.request).toEqual({ ...(sent[0] as object), tls: "<certificate and key of Secret app/server-tls>" });
    expect(plan.steps[0]!.note).toContain('"tls":"<the TLS Secret\'s certificate and key>"');

    const missing = await impl.plan(ctx(), 0, records, chaos({ tls: { secretName: "absent" } }));
    expect(missing.capable).toBe(false);
    expect(missing.reason).toBe("spec.tls.secretName: Secret app/absent not found");
  });

  it("is not capable on a node without nat REDIRECT, on a hostNetwork pod, or without a started container", async () => {
    const { impl, sent } = setup();
    const noRedirect = await impl.plan(ctx(), 1, records, chaos());
    expect(noRedirect.capable).toBe(false);
    expect(noRedirect.reason).toContain("node node-2 cannot perform HTTPChaos: its daemon lacks http/interception");
    const host = await impl.plan(ctx(), 2, records, chaos());
    expect(host.capable).toBe(false);
    expect(host.reason).toContain("pod app/web-2 uses hostNetwork");
    const unstarted = await impl.plan(ctx(), 3, records, chaos());
    expect(unstarted).toEqual({ capable: false, reason: expect.stringContaining("app/web-3"), steps: [] });
    expect(sent).toEqual([]);
  });
});

describe("HTTPChaos plan against the daemon's handler", () => {
  it("shows the redirect script, the restore argv and the proxy's config that ExecHTTPChaos really uses", async () => {
    const caps = create(NodeCapabilitiesSchema, { nodeName: "n1", iptablesBackend: "nf_tables", iptablesExtensions: ["REDIRECT", "owner"] });
    const cmds = iptablesCommands("nf_tables");
    const starts: ProxyStart[] = [];
    const fake = fakePodNetnsWorld<never>("http-plan", caps, async (request) => ({ stdout: request.argv[0] === cmds.save ? "*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n" : "", stderr: "" }));
    writeFileSync(join(fake.proc, "stat"), "cpu 1 2 3\nbtime 1700000000\n");
    mkdirSync(join(fake.proc, "4242", "net"), { recursive: true });
    // the pod's server listens on 8080, nothing on the proxy ports
    writeFileSync(join(fake.proc, "4242", "net", "tcp"), "  sl  local_address rem_address   st\n   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1000\n");
    const launcher: ProxyLauncher = {
      start: async (start) => (starts.push(start), { pid: fake.newPid(), startTicks: "500" }),
      alive: (p) => fake.live.has(p.pid),
      reload: async () => undefined,
      stop: async (p) => void fake.live.delete(p.pid),
    };
    const { handlers } = createHttpChaosDaemon(fake.deps, { ...fake.options, launcher });
    const request = execHTTPChaosRequestOf(chaos({ delay: "1s", abort: undefined }), "app/web-0", "app/example", containerId, "");
    const planned = execHTTPChaosCommands(request, caps);

    await callDaemonHandler(handlers, "execHTTPChaos", create(ExecHTTPChaosRequestSchema, request));
    const restore = fake.events.find((e) => e.argv[0] === cmds.restore)!;
    expect(restore.namespaces).toEqual(["net"]);
    expect(restore.input).toBe(planned.redirectScript);
    expect(planned.argv[1]!.slice(5)).toEqual(["iptables-restore", ...restore.argv.slice(1)]);
    expect(starts[0]!.ports).toEqual([15080]);
    expect(JSON.parse(planned.config)).toEqual(JSON.parse(readFileSync(join(fake.podDir, "config.json"), "utf8")));
    fake.cleanup();
  });
});
