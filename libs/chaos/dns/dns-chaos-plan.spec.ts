import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { ExecDNSChaosRequestSchema, NodeCapabilitiesSchema } from "@faultline/api";
import { callDaemonHandler, iptablesCommands } from "@faultline/daemon-server";
import type { DNSChaos } from "./dns-chaos-crd.js";
import { containerId, fakePodNetnsWorld } from "../pod-netns-process/fake-pod-netns.test-support.js";
import { cid, notInjectedRecords, planCtx as ctx, planPod as pod, planUid as uid, planThenApply, recordingManager } from "../record-plan/record-plan.test-support.js";
import { createDnsChaosDaemon } from "./dns-chaos-daemon.js";
import { dnsChaosManager, execDNSChaosRequestOf } from "./dns-chaos-manager.js";
import { execDNSChaosCommands } from "./dns-chaos-plan.js";
import type { InterceptorLauncher, InterceptorStart } from "./daemon/interceptor-process.js";

// DNSChaos's plan against in-memory seams: what it shows is what apply sends (a recording daemon),
// and what the daemon would run is its own builders' (interceptor argv, redirect script).
const pods = [pod("web-0", "node-1", cid("a")), pod("web-1", "node-2", cid("b")), pod("web-2", "node-1", cid("c"), { hostNetwork: true })];
const chaos: DNSChaos = {
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "DNSChaos",
  metadata: { name: "example", namespace: "app", uid },
  spec: { selector: { namespaces: ["app"] }, mode: "all", action: "error", patterns: ["api.example.test", "internal.*"] },
};
const records = notInjectedRecords(["app/web-0/main", "app/web-1/main", "app/web-2/main"]);
const capabilities = (node: string) =>
  node === "node-2"
    ? { nodeName: node, iptablesBackend: "nf_tables", iptablesExtensions: ["statistic", "owner"] } // no nat REDIRECT
    : { nodeName: node, iptablesBackend: "legacy", iptablesExtensions: ["statistic", "REDIRECT", "owner"] };

const setup = recordingManager(pods, capabilities, "execDNSChaos", ExecDNSChaosRequestSchema, (decoder) => dnsChaosManager({ decoder, log: () => undefined }));

describe("DNSChaos plan", () => {
  it("shows the ExecDNSChaos request apply sends, the interceptor's argv and the redirect by the node's iptables backend", async () => {
    const { plan, sent } = await planThenApply(setup(), 0, records, chaos);
    expect(plan.capable).toBe(true);
    const [step] = plan.steps;
    expect(step!.rpc).toBe("ExecDNSChaos");
    expect(step!.request).toEqual(sent[0]);
    expect(step!.request).toEqual({ containerId: cid("a"), action: "error", patterns: ["api.example.test", "internal.*"], recordKey: `${uid}/app/web-0/main` });
    const pid = `<host pid of container ${cid("a")}>`;
    expect(step!.argv).toEqual([
      [
        "nsenter", `--net=/proc/${pid}/ns/net`, "--",
        "setpriv", "--reuid", "2000053", "--regid", "2000053", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
        "node", "<daemon's dns-interceptor-main.js>", "--config", "config.json", "--host", "127.0.0.1", "--port", "15353",
      ],
      ["nsenter", "-t", pid, "-n", "--", "iptables-restore", "-w", "5", "--noflush"],
    ]);
    expect(step!.note).toContain('"rules":[{"recordKey":"11111111-2222-3333-4444-555555555555/app/web-0/main","action":"error","patterns":["api.example.test","internal.*"]}]');
    expect(step!.note).toContain("-A FAULTLINE-DNS -p udp -j REDIRECT --to-ports 15353");
    expect(step!.note).toContain("-I OUTPUT 1 -p udp --dport 53 -j FAULTLINE-DNS");
  });

  it("is not capable on a node without nat REDIRECT, naming the node and the capability", async () => {
    const { impl, sent } = setup();
    const plan = await impl.plan(ctx(), 1, records, chaos);
    expect(plan.capable).toBe(false);
    expect(plan.reason).toContain("node node-2 cannot perform DNSChaos: its daemon lacks dns/interception");
    expect(sent).toEqual([]);
  });

  it("refuses a hostNetwork pod as apply does", async () => {
    const { impl } = setup();
    const plan = await impl.plan(ctx(), 2, records, chaos);
    expect(plan.capable).toBe(false);
    expect(plan.reason).toContain("pod app/web-2 uses hostNetwork");
    await expect(impl.apply(ctx(), 2, records, chaos)).rejects.toThrow(plan.reason!);
  });

  it("shows the daemon's refusal of a pattern it does not take, with the request and no commands", async () => {
    const { impl, sent } = setup();
    const bad: DNSChaos = { ...chaos, spec: { ...chaos.spec, patterns: ["*.internal.*"] } };
    const plan = await impl.plan(ctx(), 0, records, bad);
    expect(plan.capable).toBe(false);
    expect(plan.reason).toContain('the daemon of node node-1 would refuse ExecDNSChaos: [invalid_argument] patterns[0]: pattern "*.internal.*" has "*" before its end');
    expect(plan.steps).toEqual([{ on: "daemon", rpc: "ExecDNSChaos", request: expect.objectContaining({ patterns: ["*.internal.*"] }) }]);
    expect(sent).toEqual([]);
  });
});

describe("DNSChaos plan against the daemon's handler", () => {
  it("shows the redirect script, the restore argv and the interceptor's rule and port that ExecDNSChaos really uses", async () => {
    const caps = create(NodeCapabilitiesSchema, { nodeName: "n1", iptablesBackend: "nf_tables", iptablesExtensions: ["REDIRECT", "owner"] });
    const cmds = iptablesCommands("nf_tables");
    const starts: InterceptorStart[] = [];
    const fake = fakePodNetnsWorld<never>("dns-plan", caps, async (request) => ({ stdout: request.argv[0] === cmds.save ? "*nat\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n" : "", stderr: "" }));
    mkdirSync(join(fake.proc, "4242", "root", "etc"), { recursive: true });
    writeFileSync(join(fake.proc, "4242", "root", "etc", "resolv.conf"), "nameserver 10.0.0.10\n");
    const launcher: InterceptorLauncher = {
      start: async (start) => (starts.push(start), { pid: fake.newPid(), startTicks: "1", port: start.port }),
      alive: (p) => fake.live.has(p.pid),
      reload: () => undefined,
      stop: async (p) => void fake.live.delete(p.pid),
    };
    const { handlers } = createDnsChaosDaemon(fake.deps, { ...fake.options, launcher });
    const request = execDNSChaosRequestOf(chaos, "app/web-0/main", "app/example", containerId);
    const planned = execDNSChaosCommands(request, caps);

    await callDaemonHandler(handlers, "execDNSChaos", create(ExecDNSChaosRequestSchema, request));
    const restore = fake.events.find((e) => e.argv[0] === cmds.restore)!;
    expect(restore.namespaces).toEqual(["net"]);
    expect(restore.input).toBe(planned.redirectScript);
    expect(planned.argv[1]!.slice(5)).toEqual(["iptables-restore", ...restore.argv.slice(1)]);
    expect(planned.argv[0]!.slice(-2)).toEqual(["--port", String(starts[0]!.port)]);
    const written = JSON.parse(readFileSync(join(fake.podDir, "config.json"), "utf8")) as { rules: unknown };
    expect((JSON.parse(planned.config) as { rules: unknown }).rules).toEqual(written.rules);
    fake.cleanup();
  });
});
