import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { NodeCapabilitiesSchema } from "@faultline/api";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { NamespaceProcessError, callDaemonHandler, iptablesCommands, type DaemonLogLine, type NamespaceProcessRequest } from "@faultline/daemon-server";
import { containerId, execRefusalCases, fakePodNetnsWorld, hostNetworkId, otherContainer, recoverGoneCases, unknownId, type RunEvent } from "../pod-netns-process/fake-pod-netns.test-support.js";
import { createDnsChaosDaemon, type DnsChaosDaemonOptions } from "./dns-chaos-daemon.js";
import { DnsStateDir, type InterceptorProcess, type PodDnsState } from "./daemon/dns-state.js";
import type { InterceptorLauncher, InterceptorStart } from "./daemon/interceptor-process.js";
import { InterceptorStartError } from "./daemon/interceptor-process.js";

// The handlers as the server calls them, without a server: a fake /proc (the target's network
// namespace, its resolv.conf, the host's pid 1), a fake runtime, a runner that plays the pod's nat
// table, and a launcher that plays the interceptor; every step lands in one ordered event list.
const cmds = iptablesCommands("nf_tables");
const caps = create(NodeCapabilitiesSchema, { nodeName: "n1", iptablesBackend: "nf_tables", iptablesExtensions: ["REDIRECT", "owner"] });
const resolvConf = "search app.svc.cluster.local svc.cluster.local\nnameserver 10.0.0.10\nnameserver 10.0.0.11\noptions ndots:5\n";

const savedWithRedirect = [
  "*nat",
  ":OUTPUT ACCEPT [0:0]",
  ":FAULTLINE-DNS - [0:0]",
  "-A OUTPUT -p tcp -m tcp --dport 53 -j FAULTLINE-DNS",
  "-A OUTPUT -p udp -m udp --dport 53 -j FAULTLINE-DNS",
  '-A FAULTLINE-DNS -m comment --comment "faultline:owned"',
  "-A FAULTLINE-DNS -m owner --uid-owner 2000053 -j RETURN",
  "-A FAULTLINE-DNS -p udp -j REDIRECT --to-ports 15353",
  "-A FAULTLINE-DNS -p tcp -j REDIRECT --to-ports 15353",
  "COMMIT",
  "",
].join("\n");
const installScript = [
  "*nat",
  ":FAULTLINE-DNS - [0:0]",
  '-A FAULTLINE-DNS -m comment --comment "faultline:owned"',
  "-A FAULTLINE-DNS -m owner --uid-owner 2000053 -j RETURN",
  "-A FAULTLINE-DNS -p udp -j REDIRECT --to-ports 15353",
  "-A FAULTLINE-DNS -p tcp -j REDIRECT --to-ports 15353",
  "-I OUTPUT 1 -p udp --dport 53 -j FAULTLINE-DNS",
  "-I OUTPUT 1 -p tcp --dport 53 -j FAULTLINE-DNS",
  "COMMIT",
  "",
].join("\n");
const removeScript = [
  "*nat",
  "-D OUTPUT -p tcp -m tcp --dport 53 -j FAULTLINE-DNS",
  "-D OUTPUT -p udp -m udp --dport 53 -j FAULTLINE-DNS",
  "-F FAULTLINE-DNS",
  "-X FAULTLINE-DNS",
  "COMMIT",
  "",
].join("\n");

type Event = { step: "start"; start: InterceptorStart } | { step: "reload" | "stop"; pid: number } | RunEvent;

function world(opts: { startFails?: string; restoreFails?: boolean; foreignChain?: boolean; capabilities?: typeof caps } = {}) {
  let redirected = false;
  const fake = fakePodNetnsWorld<Event>("dns", opts.capabilities ?? caps, async (request) => {
    if (request.argv[0] === cmds.save) {
      if (opts.foreignChain) return { stdout: "*nat\n:FAULTLINE-DNS - [0:0]\n-A FAULTLINE-DNS -j ACCEPT\nCOMMIT\n", stderr: "" };
      return { stdout: redirected ? savedWithRedirect : "*nat\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n", stderr: "" };
    }
    if (opts.restoreFails) throw new NamespaceProcessError("exit 2", ["nsenter", "--", ...request.argv], "exit-status", 2, "iptables-restore: line 5 failed: Couldn't load target `REDIRECT':No such file or directory");
    redirected = request.input?.includes("-X FAULTLINE-DNS") ? false : true;
    return { stdout: "", stderr: "" };
  });
  const { proc, stateDir, events, live, key, podDir } = fake;
  mkdirSync(join(proc, "4242", "root", "etc"), { recursive: true });
  writeFileSync(join(proc, "4242", "root", "etc", "resolv.conf"), resolvConf);
  const launcher: InterceptorLauncher = {
    async start(start) {
      events.push({ step: "start", start });
      if (opts.startFails) throw new InterceptorStartError(opts.startFails);
      return { pid: fake.newPid(), startTicks: "77", port: start.port };
    },
    alive: (p: InterceptorProcess) => live.has(p.pid),
    reload: (p) => void events.push({ step: "reload", pid: p.pid }),
    async stop(p) {
      events.push({ step: "stop", pid: p.pid });
      live.delete(p.pid);
    },
  };
  const options: DnsChaosDaemonOptions = { ...fake.options, launcher };
  const { handlers, reconcile } = createDnsChaosDaemon(fake.deps, options);
  return {
    proc,
    handlers,
    reconcile,
    events,
    live,
    reconciled: fake.reconciled,
    key,
    podDir,
    state: () => new DnsStateDir(stateDir).read(key),
    config: () => JSON.parse(readFileSync(join(podDir, "config.json"), "utf8")) as unknown,
    isRedirected: () => redirected,
    cleanup: fake.cleanup,
  };
}

const exec = (w: ReturnType<typeof world>, fields: { containerId?: string; action?: string; patterns?: string[]; recordKey?: string } = {}, logLines?: DaemonLogLine[]) =>
  callDaemonHandler(w.handlers, "execDNSChaos", { containerId, action: "error", patterns: ["api.example.test"], recordKey: "uid-1/rec-a", ...fields }, { ...(logLines && { logLines }) });
const recover = (w: ReturnType<typeof world>, recordKey: string, id = containerId) => callDaemonHandler(w.handlers, "recoverDNSChaos", { containerId: id, recordKey });

describe("dnsChaosDaemon: ExecDNSChaos", () => {
  it("refuses a bad request with InvalidArgument naming the field, before anything runs", async () => {
    const w = world();
    const cases: [Parameters<typeof exec>[1], string][] = [
      [{ containerId: "" }, "containerId: a container id is required"],
      [{ containerId: "c".repeat(64) }, "containerId:"],
      [{ action: "delay" }, 'action: must be "error" or "random"'],
      [{ patterns: ["ok.example", "a*b"] }, "patterns[1]: pattern \"a*b\" has \"*\" before its end"],
      [{ patterns: Array.from({ length: 1025 }, (_, i) => `n${i}.example`) }, "patterns: at most 1024 patterns, got 1025"],
      [{ recordKey: "" }, "recordKey: a record key is required"],
      [{ recordKey: "uid 1;rm" }, "recordKey:"],
    ];
    for (const [fields, message] of cases) {
      await expect(exec(w, fields)).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringContaining(message) });
    }
    expect(w.events).toEqual([]);
    expect(existsSync(w.podDir)).toBe(false);
    w.cleanup();
  });

  it("starts the interceptor in the pod, and ONLY once it is ready redirects port 53 to it (exact iptables argv and script, in the pod's network namespace)", async () => {
    const w = world();
    const logLines: DaemonLogLine[] = [];
    await exec(w, {}, logLines);
    expect(w.events).toEqual([
      { step: "start", start: { memberPid: 4242, dir: w.podDir, port: 15353 } },
      { step: "run", pid: 4242, namespaces: ["net"], argv: [cmds.save, "-t", "nat"] },
      { step: "run", pid: 4242, namespaces: ["net"], argv: [cmds.restore, "-w", "5", "--noflush"], input: installScript },
    ]);
    // the pod's own nameservers are the upstreams; the rule as asked
    expect(w.config()).toEqual({ upstreams: ["10.0.0.10", "10.0.0.11"], rules: [{ recordKey: "uid-1/rec-a", action: "error", patterns: ["api.example.test"] }] });
    expect(w.state()).toMatchObject({ redirect: true, interceptor: { pid: 9000, startTicks: "77", port: 15353 }, containerIds: [containerId] });
    expect(logLines).toContainEqual(expect.objectContaining({ message: "DNSChaos injected", pid: 4242, netns: w.key, started: true, interceptor: 9000 }));
    w.cleanup();
  });

  it("is idempotent per record key: the same request again changes nothing", async () => {
    const w = world();
    await exec(w);
    const before = w.events.length;
    const config = readFileSync(join(w.podDir, "config.json"), "utf8");
    await exec(w);
    expect(w.events.length).toBe(before);
    expect(readFileSync(join(w.podDir, "config.json"), "utf8")).toBe(config);
    w.cleanup();
  });

  it("composes: a second record key on the pod rewrites the config and SIGHUPs the one interceptor, no second one, no second redirect", async () => {
    const w = world();
    await exec(w);
    const before = w.events.length;
    await exec(w, { containerId: otherContainer, recordKey: "uid-2/rec-b", action: "random", patterns: [] });
    expect(w.events.slice(before)).toEqual([{ step: "reload", pid: 9000 }]);
    expect(w.config()).toEqual({
      upstreams: ["10.0.0.10", "10.0.0.11"],
      rules: [
        { recordKey: "uid-1/rec-a", action: "error", patterns: ["api.example.test"] },
        { recordKey: "uid-2/rec-b", action: "random", patterns: [] },
      ],
    });
    expect(w.state()?.containerIds).toEqual([containerId, otherContainer]);
    const listed = await callDaemonHandler(w.handlers, "listDNSChaos", {});
    expect(listed.injections.map((i) => ({ recordKey: i.recordKey, containerId: i.containerId, action: i.action, patterns: i.patterns }))).toEqual([
      { recordKey: "uid-1/rec-a", containerId, action: "error", patterns: ["api.example.test"] },
      { recordKey: "uid-2/rec-b", containerId: otherContainer, action: "random", patterns: [] },
    ]);
    w.cleanup();
  });

  it("an interceptor that cannot start: FailedPrecondition, no redirect, no state", async () => {
    const w = world({ startFails: "was not ready within 5000 ms" });
    await expect(exec(w)).rejects.toMatchObject({ code: Code.FailedPrecondition, rawMessage: expect.stringContaining("was not ready within 5000 ms") });
    expect(w.events.map((e) => e.step)).toEqual(["start"]);
    expect(existsSync(w.podDir)).toBe(false);
    w.cleanup();
  });

  execRefusalCases({ process: "interceptor", chain: "FAULTLINE-DNS" }, world, (w) => exec(w));

  it("refuses a hostNetwork target, a resolv.conf without nameservers or with an IPv6 one, a node without dns/interception (FailedPrecondition), an unknown container (NotFound); nothing runs", async () => {
    const w = world();
    await expect(exec(w, { containerId: hostNetworkId })).rejects.toMatchObject({ code: Code.FailedPrecondition, rawMessage: expect.stringContaining("hostNetwork") });
    await expect(exec(w, { containerId: unknownId })).rejects.toMatchObject({ code: Code.NotFound });
    writeFileSync(join(w.proc, "4242", "root", "etc", "resolv.conf"), "search x\noptions ndots:5\n");
    await expect(exec(w)).rejects.toMatchObject({ code: Code.FailedPrecondition, rawMessage: expect.stringContaining("names no nameserver") });
    writeFileSync(join(w.proc, "4242", "root", "etc", "resolv.conf"), "nameserver 10.0.0.10\nnameserver fd00::10\n");
    await expect(exec(w)).rejects.toMatchObject({ code: Code.FailedPrecondition, rawMessage: expect.stringContaining("IPv6 nameserver(s) fd00::10") });
    expect(w.events).toEqual([]);
    const bare = world({ capabilities: create(NodeCapabilitiesSchema, { nodeName: "n1", iptablesBackend: "nf_tables", iptablesExtensions: ["REDIRECT"] }) });
    await expect(exec(bare)).rejects.toMatchObject({ code: Code.FailedPrecondition, rawMessage: expect.stringContaining("node n1 cannot do this: it lacks dns/interception") });
    expect(bare.events).toEqual([]);
    w.cleanup();
    bare.cleanup();
  });
});

describe("dnsChaosDaemon: RecoverDNSChaos and ListDNSChaos", () => {
  it("recovering one of two keys keeps the other (config rewritten, SIGHUP); the last removes the redirect FIRST, then stops the interceptor, then the state", async () => {
    const w = world();
    await exec(w);
    await exec(w, { recordKey: "uid-2/rec-b", patterns: ["*"] });
    let mark = w.events.length;
    await recover(w, "uid-1/rec-a");
    expect(w.events.slice(mark)).toEqual([{ step: "reload", pid: 9000 }]);
    expect(w.config()).toEqual({ upstreams: ["10.0.0.10", "10.0.0.11"], rules: [{ recordKey: "uid-2/rec-b", action: "error", patterns: ["*"] }] });
    expect(w.isRedirected()).toBe(true);
    mark = w.events.length;
    await recover(w, "uid-2/rec-b");
    expect(w.events.slice(mark)).toEqual([
      { step: "run", pid: 9000, namespaces: ["net"], argv: [cmds.save, "-t", "nat"] },
      { step: "run", pid: 9000, namespaces: ["net"], argv: [cmds.restore, "-w", "5", "--noflush"], input: removeScript },
      { step: "stop", pid: 9000 },
    ]);
    expect(w.isRedirected()).toBe(false);
    expect(existsSync(w.podDir)).toBe(false);
    expect((await callDaemonHandler(w.handlers, "listDNSChaos", {})).injections).toEqual([]);
    w.cleanup();
  });

  recoverGoneCases({ process: "interceptor" }, () => world(), (w) => exec(w), recover);
});

describe("dnsChaosDaemon: the reconcile pass", () => {
  it("starts again an interceptor that died while its redirect is in place, in the pod found by its network namespace", async () => {
    const w = world();
    await exec(w);
    w.live.clear();
    const mark = w.events.length;
    await w.reconcile();
    expect(w.events.slice(mark)).toEqual([{ step: "start", start: { memberPid: 4242, dir: w.podDir, port: 15353 } }]);
    expect(w.state()?.interceptor?.pid).toBe(9001);
    expect(w.reconciled).toContainEqual(expect.objectContaining({ level: "warn", message: expect.stringContaining("started again"), interceptor: 9001 }));
    // alive: nothing more to do
    await w.reconcile();
    expect(w.events.length).toBe(mark + 1);
    w.cleanup();
  });

  it("a pass with nothing to do leaves later passes running (the loop's first pass, at start, usually has nothing)", async () => {
    const w = world();
    await w.reconcile();
    await w.reconcile();
    await exec(w);
    w.live.clear();
    await w.reconcile();
    expect(w.events.filter((e) => e.step === "start")).toHaveLength(2);
    w.cleanup();
  });

  it("cleans the state of a pod that is gone", async () => {
    const w = world();
    await exec(w);
    w.live.clear();
    rmSync(join(w.proc, "4242"), { recursive: true });
    await w.reconcile();
    expect(existsSync(w.podDir)).toBe(false);
    expect(w.reconciled).toContainEqual(expect.objectContaining({ message: expect.stringContaining("pod is gone"), records: ["uid-1/rec-a"] }));
    w.cleanup();
  });

  it("stops an interceptor an earlier daemon started but never redirected to (it died in between)", async () => {
    const w = world();
    const half: PodDnsState = { netns: { dev: 1, ino: Number(w.key.slice(6)) }, upstreams: ["10.0.0.10"], rules: [{ recordKey: "k", containerId, action: "error", patterns: [] }], containerIds: [containerId], interceptor: { pid: 9500, startTicks: "1", port: 15353 }, redirect: false };
    new DnsStateDir(join(w.proc, "state")).write(w.key, half);
    w.live.add(9500);
    await w.reconcile();
    expect(w.events.map((e) => e.step)).toEqual(["stop"]);
    expect(existsSync(w.podDir)).toBe(false);
    w.cleanup();
  });

  it("an interceptor that cannot be started again: the redirect goes (the pod's DNS goes straight to its nameservers) and the state with it", async () => {
    const w = world();
    await exec(w);
    w.live.clear();
    const broken = createDnsChaosDaemon(
      { runtime: {}, runner: { run: async (r: NamespaceProcessRequest) => (w.events.push({ step: "run", pid: r.pid, namespaces: r.namespaces, argv: r.argv, ...(r.input !== undefined && { input: r.input }) }), { stdout: r.argv[0] === cmds.save ? savedWithRedirect : "", stderr: "" }) } } as unknown as DaemonKindDeps,
      {
        stateDir: join(w.proc, "state"),
        paths: { procRoot: w.proc, cgroupRoot: "/nonexistent" },
        capabilities: async () => caps,
        reconcileIntervalMs: 0,
        onReconcile: (e) => w.reconciled.push(e),
        launcher: { start: async () => Promise.reject(new InterceptorStartError("ended with exit code 1")), alive: () => false, reload: () => undefined, stop: async () => undefined },
      },
    );
    const mark = w.events.length;
    await broken.reconcile();
    expect(w.events.slice(mark)).toEqual([
      { step: "run", pid: 4242, namespaces: ["net"], argv: [cmds.save, "-t", "nat"] },
      { step: "run", pid: 4242, namespaces: ["net"], argv: [cmds.restore, "-w", "5", "--noflush"], input: removeScript },
    ]);
    expect(existsSync(w.podDir)).toBe(false);
    expect(w.reconciled).toContainEqual(expect.objectContaining({ level: "error", error: expect.stringContaining("ended with exit code 1") }));
    w.cleanup();
  });
});

describe("dnsChaosDaemon: SetDNSServer", () => {
  it("enable points the nameserver lines at dns_server (search and options kept), keeping the original once; disable restores it; again does nothing", async () => {
    const w = world();
    const file = join(w.proc, "4242", "root", "etc", "resolv.conf");
    await callDaemonHandler(w.handlers, "setDNSServer", { containerId, dnsServer: "10.9.9.9", enable: true, enterNs: true });
    expect(readFileSync(file, "utf8")).toBe("search app.svc.cluster.local svc.cluster.local\nnameserver 10.9.9.9\noptions ndots:5\n");
    await callDaemonHandler(w.handlers, "setDNSServer", { containerId, dnsServer: "fd00::53", enable: true });
    expect(readFileSync(file, "utf8")).toBe("search app.svc.cluster.local svc.cluster.local\nnameserver fd00::53\noptions ndots:5\n");
    await callDaemonHandler(w.handlers, "setDNSServer", { containerId, enable: false });
    expect(readFileSync(file, "utf8")).toBe(resolvConf);
    expect(existsSync(new DnsStateDir(join(w.proc, "state")).keptResolvConf(containerId))).toBe(false);
    writeFileSync(file, "nameserver 1.1.1.1\n");
    await callDaemonHandler(w.handlers, "setDNSServer", { containerId, enable: false });
    expect(readFileSync(file, "utf8")).toBe("nameserver 1.1.1.1\n");
    expect(w.events).toEqual([]); // nothing ran, in the container or anywhere
    w.cleanup();
  });

  it("refuses a dns_server that is not an address (InvalidArgument) and a resolv.conf that is a symbolic link (FailedPrecondition: it would be followed from the daemon's root)", async () => {
    const w = world();
    await expect(callDaemonHandler(w.handlers, "setDNSServer", { containerId, dnsServer: "dns.example", enable: true })).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringContaining("dnsServer:") });
    const file = join(w.proc, "4242", "root", "etc", "resolv.conf");
    rmSync(file);
    writeFileSync(join(w.proc, "victim"), "keep\n");
    symlinkSync(join(w.proc, "victim"), file);
    await expect(callDaemonHandler(w.handlers, "setDNSServer", { containerId, dnsServer: "10.9.9.9", enable: true })).rejects.toMatchObject({ code: Code.FailedPrecondition, rawMessage: expect.stringContaining("symbolic link") });
    expect(readFileSync(join(w.proc, "victim"), "utf8")).toBe("keep\n");
    w.cleanup();
  });
});
