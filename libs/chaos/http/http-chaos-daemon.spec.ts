import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { NodeCapabilitiesSchema } from "@faultline/api";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { HostNamespaces, NamespaceProcessError, callDaemonHandler, iptablesCommands, type DaemonLogLine, type NamespaceProcessRequest } from "@faultline/daemon-server";
import { PodProcessStartError, type PodProcess } from "../pod-netns-process/pod-process.js";
import { containerId, execRefusalCases, fakePodNetnsWorld, hostNetworkId, otherContainer, recoverGoneCases, unknownId, type RunEvent } from "../pod-netns-process/fake-pod-netns.test-support.js";
import { createHttpChaosDaemon, type HttpChaosDaemonOptions } from "./http-chaos-daemon.js";
import { HttpStateDir, type PodHttpState } from "./daemon/http-state.js";
import type { ProxyLauncher, ProxyStart } from "./daemon/proxy-process.js";

// The handlers as the server calls them, without a server: a fake /proc (the target's network
// namespace, the host's pid 1, a listening socket table), a fake runtime, a runner that plays the
// pod's nat table, and a launcher that plays the proxy; every step lands in one ordered event list.
const cmds = iptablesCommands("nf_tables");
const caps = create(NodeCapabilitiesSchema, { nodeName: "n1", iptablesBackend: "nf_tables", iptablesExtensions: ["REDIRECT"] });
const abortApi = { target: "Request", selector: { port: 8080, path: "/api/*" }, actions: { abort: true }, port: 8080 };
const replaceCode = { target: "Response", selector: { port: 8080, code: 200 }, actions: { replace: { code: 503 } }, port: 8080 };
const delay9090 = { target: "Request", selector: {}, actions: { delay: "100ms" }, port: 9090 };
const pem = (what: string) => `-----BEGIN ${what}-----\nAAAA\n-----END ${what}-----\n`;

type Event = { step: "start"; start: ProxyStart } | { step: "reload"; pid: number; ports: readonly number[] } | { step: "stop"; pid: number } | RunEvent;

/** The pod's nat table, played: the FAULTLINE-HTTP chain's rules (undefined: no chain) and whether PREROUTING jumps to it. */
class NatTable {
  chain: string[] | undefined;
  hooked = false;
  foreign = false;
  save(): string {
    if (this.foreign) return "*nat\n:PREROUTING ACCEPT [0:0]\n:FAULTLINE-HTTP - [0:0]\n-A FAULTLINE-HTTP -j ACCEPT\nCOMMIT\n";
    const lines = ["*nat", ":PREROUTING ACCEPT [0:0]"];
    if (this.chain) lines.push(":FAULTLINE-HTTP - [0:0]");
    if (this.hooked) lines.push("-A PREROUTING -p tcp -j FAULTLINE-HTTP");
    if (this.chain) lines.push('-A FAULTLINE-HTTP -m comment --comment "faultline:owned"', ...this.chain.map((r) => `-A FAULTLINE-HTTP ${r.replace("-p tcp ", "-p tcp -m tcp ")}`));
    return [...lines, "COMMIT", ""].join("\n");
  }
  restore(input: string): void {
    for (const line of input.split("\n")) {
      if (line === ":FAULTLINE-HTTP - [0:0]") this.chain = [];
      else if (line.startsWith("-A FAULTLINE-HTTP ") && !line.includes("faultline:owned")) this.chain!.push(line.slice("-A FAULTLINE-HTTP ".length));
      else if (line.startsWith("-I PREROUTING")) this.hooked = true;
      else if (line.startsWith("-D PREROUTING")) this.hooked = false;
      else if (line === "-X FAULTLINE-HTTP") this.chain = undefined;
    }
  }
  /** server port → proxy port, as redirected now. */
  redirects(): string[] {
    return this.hooked ? (this.chain ?? []).map((r) => r.replace(/^-p tcp --dport (\d+) -j REDIRECT --to-ports (\d+)$/, "$1→$2")) : [];
  }
}

function world(opts: { startFails?: string; reloadFails?: string; restoreFails?: boolean; foreignChain?: boolean; capabilities?: typeof caps; busy?: number[] } = {}) {
  const nat = new NatTable();
  nat.foreign = opts.foreignChain ?? false;
  const fake = fakePodNetnsWorld<Event>("http", opts.capabilities ?? caps, async (request) => {
    if (request.argv[0] === cmds.save) return { stdout: nat.save(), stderr: "" };
    if (opts.restoreFails && !request.input?.includes("-X FAULTLINE-HTTP")) throw new NamespaceProcessError("exit 2", ["nsenter", "--", ...request.argv], "exit-status", 2, "iptables-restore: line 4 failed: Couldn't load target `REDIRECT':No such file or directory");
    nat.restore(request.input ?? "");
    return { stdout: "", stderr: "" };
  });
  const { proc, stateDir, events, live, key, podDir } = fake;
  writeFileSync(join(proc, "stat"), "cpu 1 2 3\nbtime 1700000000\n");
  mkdirSync(join(proc, "4242", "net"), { recursive: true });
  const listen = (ports: number[]) =>
    writeFileSync(join(proc, "4242", "net", "tcp"), ["  sl  local_address rem_address   st", ...ports.map((p, i) => `   ${i}: 00000000:${p.toString(16).toUpperCase().padStart(4, "0")} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${1000 + i}`)].join("\n") + "\n");
  listen([8080, ...(opts.busy ?? [])]);
  const launcher: ProxyLauncher = {
    async start(start) {
      events.push({ step: "start", start });
      if (opts.startFails) throw new PodProcessStartError(opts.startFails);
      return { pid: fake.newPid(), startTicks: "500" };
    },
    alive: (p: PodProcess) => live.has(p.pid),
    async reload(p, _dir, ports) {
      events.push({ step: "reload", pid: p.pid, ports });
      if (opts.reloadFails) throw new PodProcessStartError(opts.reloadFails);
    },
    async stop(p) {
      events.push({ step: "stop", pid: p.pid });
      live.delete(p.pid);
    },
  };
  const options: HttpChaosDaemonOptions = { ...fake.options, launcher };
  const { handlers, reconcile } = createHttpChaosDaemon(fake.deps, options);
  return {
    proc,
    handlers,
    reconcile,
    events,
    live,
    nat,
    reconciled: fake.reconciled,
    key,
    podDir,
    stateDir,
    state: () => new HttpStateDir(stateDir).read(key),
    config: () => JSON.parse(readFileSync(join(podDir, "config.json"), "utf8")) as { listeners: unknown[]; rules: { recordKey: string }[]; tls: unknown },
    cleanup: fake.cleanup,
  };
}
type World = ReturnType<typeof world>;

const exec = (w: World, fields: { containerId?: string; recordKey?: string; rules?: string; tls?: string } = {}, logLines?: DaemonLogLine[]) =>
  callDaemonHandler(w.handlers, "execHTTPChaos", { containerId, recordKey: "uid-1/rec-a", rules: JSON.stringify([abortApi]), tls: "", ...fields }, { ...(logLines && { logLines }) });
const recover = (w: World, recordKey: string, id = containerId) => callDaemonHandler(w.handlers, "recoverHTTPChaos", { containerId: id, recordKey });
const restore = [cmds.restore, "-w", "5", "--noflush"];
const save = [cmds.save, "-t", "nat"];
const run = (pid: number, argv: string[], input?: string): Event => ({ step: "run", pid, namespaces: ["net"], argv, ...(input !== undefined && { input }) });
const owned = '-A FAULTLINE-HTTP -m comment --comment "faultline:owned"';

describe("httpChaosDaemon: ExecHTTPChaos", () => {
  it("refuses a bad request with InvalidArgument naming the field, before anything runs", async () => {
    const w = world();
    const many = JSON.stringify(Array.from({ length: 1025 }, () => abortApi));
    const cases: [Parameters<typeof exec>[1], string][] = [
      [{ containerId: "" }, "containerId: a container id is required"],
      [{ containerId: "c".repeat(64) }, "containerId:"],
      [{ recordKey: "" }, "recordKey: a record key is required"],
      [{ recordKey: "uid 1;rm" }, "recordKey:"],
      [{ rules: "[{" }, "rules: not JSON"],
      [{ rules: "[]" }, "rules: at least one rule is required"],
      [{ rules: many }, "rules: at most 1024 rules, got 1025"],
      [{ rules: JSON.stringify([abortApi, { ...abortApi, port: 0 }]) }, "rules[1].port: 0 is not a port"],
      [{ rules: JSON.stringify([{ ...abortApi, port: 65536 }]) }, "rules[0].port: 65536 is not a port"],
      [{ rules: JSON.stringify([{ ...abortApi, actions: {} }]) }, "rules[0].actions: no action"],
      [{ rules: JSON.stringify([{ ...abortApi, selector: { port: 70000 } }]) }, "rules[0].selector.port:"],
      [{ tls: JSON.stringify({ key: pem("PRIVATE KEY") }) }, "tls.cert: PEM text is required"],
      [{ tls: JSON.stringify({ cert: pem("CERTIFICATE"), key: "secret" }) }, "tls.key: is not PEM text"],
      [{ tls: JSON.stringify({ cert: pem("CERTIFICATE"), key: pem("PRIVATE KEY"), pin: "x" }) }, "tls.pin: unknown field"],
    ];
    for (const [fields, message] of cases) {
      await expect(exec(w, fields)).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringContaining(message) });
    }
    expect(w.events).toEqual([]);
    expect(existsSync(w.podDir)).toBe(false);
    w.cleanup();
  });

  it("starts the proxy in the pod, and ONLY once it listens redirects the rule's port to it (exact iptables argv and script, in the pod's network namespace)", async () => {
    const w = world();
    const logLines: DaemonLogLine[] = [];
    await exec(w, {}, logLines);
    expect(w.events).toEqual([
      { step: "start", start: { memberPid: 4242, dir: w.podDir, ports: [15080] } },
      run(4242, save),
      run(4242, restore, ["*nat", ":FAULTLINE-HTTP - [0:0]", owned, "-A FAULTLINE-HTTP -p tcp --dport 8080 -j REDIRECT --to-ports 15080", "-I PREROUTING 1 -p tcp -j FAULTLINE-HTTP", "COMMIT", ""].join("\n")),
    ]);
    expect(w.config()).toEqual({ listeners: [{ port: 15080, serverPort: 8080 }], rules: [{ ...abortApi, recordKey: "uid-1/rec-a" }], tls: null });
    expect(w.state()).toMatchObject({ redirected: [8080], proxy: { pid: 9000, startTicks: "500" }, listeners: [{ serverPort: 8080, proxyPort: 15080 }] });
    expect(w.nat.redirects()).toEqual(["8080→15080"]);
    expect(logLines).toContainEqual(expect.objectContaining({ message: "HTTPChaos injected", pid: 4242, netns: w.key, started: true, proxy: 9000 }));
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

  it("composes in the order records were first applied; a new port gets a proxy port nothing in the pod listens on, and its redirect only once the proxy listens there", async () => {
    const w = world({ busy: [15081] });
    await exec(w);
    let mark = w.events.length;
    await exec(w, { containerId: otherContainer, recordKey: "uid-2/rec-b", rules: JSON.stringify([delay9090, replaceCode]) });
    expect(w.events.slice(mark)).toEqual([
      { step: "reload", pid: 9000, ports: [15080, 15082] },
      run(4242, save),
      run(4242, restore, ["*nat", ":FAULTLINE-HTTP - [0:0]", owned, "-A FAULTLINE-HTTP -p tcp --dport 8080 -j REDIRECT --to-ports 15080", "-A FAULTLINE-HTTP -p tcp --dport 9090 -j REDIRECT --to-ports 15082", "COMMIT", ""].join("\n")),
    ]);
    expect(w.nat.redirects()).toEqual(["8080→15080", "9090→15082"]);
    // rec-a changed later keeps its place: rules are met in the order records were FIRST applied
    mark = w.events.length;
    await exec(w, { rules: JSON.stringify([replaceCode]) });
    expect(w.events.slice(mark)).toEqual([{ step: "reload", pid: 9000, ports: [15080, 15082] }, run(4242, save)]); // the redirect is already as wanted
    expect(w.config().rules.map((r) => r.recordKey)).toEqual(["uid-1/rec-a", "uid-2/rec-b", "uid-2/rec-b"]);
    expect(w.config().rules[0]).toEqual({ ...replaceCode, recordKey: "uid-1/rec-a" });
    const listed = await callDaemonHandler(w.handlers, "listHTTPChaos", {});
    expect(listed.injections.map((i) => ({ recordKey: i.recordKey, containerId: i.containerId, rules: i.rules }))).toEqual([
      { recordKey: "uid-1/rec-a", containerId, rules: JSON.stringify([replaceCode]) },
      { recordKey: "uid-2/rec-b", containerId: otherContainer, rules: JSON.stringify([delay9090, replaceCode]) },
    ]);
    w.cleanup();
  });

  it("a proxy that does not take a new record (reload not confirmed): FailedPrecondition, the config as before, the old redirect untouched", async () => {
    const w = world({ reloadFails: "did not take its new config" });
    await exec(w);
    const config = readFileSync(join(w.podDir, "config.json"), "utf8");
    await expect(exec(w, { recordKey: "uid-2/rec-b", rules: JSON.stringify([delay9090]) })).rejects.toMatchObject({ code: Code.FailedPrecondition, rawMessage: expect.stringContaining("did not take its new config") });
    expect(readFileSync(join(w.podDir, "config.json"), "utf8")).toBe(config);
    expect(w.state()?.records.map((r) => r.recordKey)).toEqual(["uid-1/rec-a"]);
    expect(w.nat.redirects()).toEqual(["8080→15080"]);
    w.cleanup();
  });

  it("one pod, one certificate: a record with other TLS material is refused; the same material composes", async () => {
    const w = world();
    const tls = JSON.stringify({ cert_name: "tls.crt", key_name: "tls.key", cert: pem("CERTIFICATE"), key: pem("PRIVATE KEY") });
    await exec(w, { tls });
    expect(w.config().tls).toEqual({ cert: pem("CERTIFICATE"), key: pem("PRIVATE KEY") });
    await exec(w, { recordKey: "uid-2/rec-b", tls });
    await expect(exec(w, { recordKey: "uid-3/rec-c", tls: JSON.stringify({ cert: pem("CERTIFICATE"), key: pem("EC PRIVATE KEY") }) })).rejects.toMatchObject({
      code: Code.FailedPrecondition,
      rawMessage: expect.stringContaining("tls: the pod's proxy already terminates TLS with other material (record uid-1/rec-a)"),
    });
    w.cleanup();
  });

  it("a proxy that cannot start: FailedPrecondition, no redirect, no state", async () => {
    const w = world({ startFails: "the HTTP proxy was not ready within 5000 ms" });
    await expect(exec(w)).rejects.toMatchObject({ code: Code.FailedPrecondition, rawMessage: expect.stringContaining("was not ready within 5000 ms") });
    expect(w.events.filter((e) => e.step === "run" && e.input?.includes("REDIRECT"))).toEqual([]);
    expect(existsSync(w.podDir)).toBe(false);
    w.cleanup();
  });

  execRefusalCases({ process: "proxy", chain: "FAULTLINE-HTTP" }, world, (w) => exec(w));

  it("refuses a hostNetwork target and a node without http/interception (FailedPrecondition), an unknown container (NotFound); nothing runs", async () => {
    const w = world();
    await expect(exec(w, { containerId: hostNetworkId })).rejects.toMatchObject({ code: Code.FailedPrecondition, rawMessage: expect.stringContaining("hostNetwork") });
    await expect(exec(w, { containerId: unknownId })).rejects.toMatchObject({ code: Code.NotFound });
    expect(w.events).toEqual([]);
    const bare = world({ capabilities: create(NodeCapabilitiesSchema, { nodeName: "n1", iptablesBackend: "nf_tables", iptablesExtensions: ["owner"] }) });
    await expect(exec(bare)).rejects.toMatchObject({ code: Code.FailedPrecondition, rawMessage: expect.stringContaining("node n1 cannot do this: it lacks http/interception") });
    expect(bare.events).toEqual([]);
    w.cleanup();
    bare.cleanup();
  });
});

describe("httpChaosDaemon: RecoverHTTPChaos and ListHTTPChaos", () => {
  it("recovering a record removes the redirect of a port no rule uses BEFORE the proxy is told; the last removes the redirect FIRST, then stops the proxy, then the state", async () => {
    const w = world();
    await exec(w);
    await exec(w, { recordKey: "uid-2/rec-b", rules: JSON.stringify([delay9090]) });
    let mark = w.events.length;
    await recover(w, "uid-2/rec-b");
    expect(w.events.slice(mark)).toEqual([
      run(4242, save),
      run(4242, restore, ["*nat", ":FAULTLINE-HTTP - [0:0]", owned, "-A FAULTLINE-HTTP -p tcp --dport 8080 -j REDIRECT --to-ports 15080", "COMMIT", ""].join("\n")),
      { step: "reload", pid: 9000, ports: [15080] },
      run(4242, save),
    ]);
    expect(w.config()).toEqual({ listeners: [{ port: 15080, serverPort: 8080 }], rules: [{ ...abortApi, recordKey: "uid-1/rec-a" }], tls: null });
    mark = w.events.length;
    await recover(w, "uid-1/rec-a");
    expect(w.events.slice(mark)).toEqual([
      run(4242, save),
      run(4242, restore, ["*nat", "-D PREROUTING -p tcp -j FAULTLINE-HTTP", "-F FAULTLINE-HTTP", "-X FAULTLINE-HTTP", "COMMIT", ""].join("\n")),
      { step: "stop", pid: 9000 },
    ]);
    expect(w.nat.redirects()).toEqual([]);
    expect(existsSync(w.podDir)).toBe(false);
    expect((await callDaemonHandler(w.handlers, "listHTTPChaos", {})).injections).toEqual([]);
    w.cleanup();
  });

  recoverGoneCases({ process: "proxy" }, () => world(), (w) => exec(w), recover);
});

describe("httpChaosDaemon: the reconcile pass (never a black hole)", () => {
  it("a proxy that died behind its redirect: the redirect goes AT ONCE, then the proxy starts again, then the redirect comes back", async () => {
    const w = world();
    await exec(w);
    w.live.clear();
    const mark = w.events.length;
    await w.reconcile();
    expect(w.events.slice(mark)).toEqual([
      run(4242, save),
      run(4242, restore, ["*nat", "-D PREROUTING -p tcp -j FAULTLINE-HTTP", "-F FAULTLINE-HTTP", "-X FAULTLINE-HTTP", "COMMIT", ""].join("\n")),
      { step: "start", start: { memberPid: 4242, dir: w.podDir, ports: [15080] } },
      run(4242, save),
      run(4242, restore, ["*nat", ":FAULTLINE-HTTP - [0:0]", owned, "-A FAULTLINE-HTTP -p tcp --dport 8080 -j REDIRECT --to-ports 15080", "-I PREROUTING 1 -p tcp -j FAULTLINE-HTTP", "COMMIT", ""].join("\n")),
    ]);
    expect(w.state()).toMatchObject({ proxy: { pid: 9001 }, redirected: [8080] });
    expect(w.reconciled).toContainEqual(expect.objectContaining({ level: "warn", message: expect.stringContaining("redirect removed") }));
    const after = w.events.length;
    await w.reconcile(); // alive and redirected: nothing to do
    expect(w.events.length).toBe(after);
    w.cleanup();
  });

  it("a proxy that cannot be started again: the redirect is gone (the server reachable directly) and the state with it", async () => {
    const w = world();
    await exec(w);
    w.live.clear();
    const broken = createHttpChaosDaemon(
      {
        runtime: {},
        runner: { run: async (r: NamespaceProcessRequest) => (w.events.push(run(r.pid, [...r.argv], r.input)), r.argv[0] === cmds.save ? { stdout: w.nat.save(), stderr: "" } : (w.nat.restore(r.input ?? ""), { stdout: "", stderr: "" })) },
      } as unknown as DaemonKindDeps,
      {
        stateDir: w.stateDir,
        paths: { procRoot: w.proc, cgroupRoot: "/nonexistent" },
        capabilities: async () => caps,
        hostNamespaces: new HostNamespaces({ procRoot: w.proc }),
        reconcileIntervalMs: 0,
        onReconcile: (e) => w.reconciled.push(e),
        launcher: { start: async () => Promise.reject(new PodProcessStartError("the HTTP proxy ended with exit code 1")), alive: () => false, reload: async () => undefined, stop: async () => undefined },
      },
    );
    await broken.reconcile();
    expect(w.nat.redirects()).toEqual([]);
    expect(existsSync(w.podDir)).toBe(false);
    expect(w.reconciled).toContainEqual(expect.objectContaining({ level: "error", error: expect.stringContaining("ended with exit code 1") }));
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

  it("a proxy an earlier daemon started but never redirected to: the redirect is completed once it listens", async () => {
    const w = world();
    const half: PodHttpState = {
      netns: { dev: 1, ino: Number(w.key.slice(6)) },
      records: [{ recordKey: "k", containerId, rules: [abortApi as never], rulesJson: JSON.stringify([abortApi]) }],
      listeners: [{ serverPort: 8080, proxyPort: 15080 }],
      proxy: { pid: 9500, startTicks: "1" },
      redirected: [],
    };
    new HttpStateDir(w.stateDir).write(w.key, half, { uid: 0, gid: 0 });
    w.live.add(9500);
    await w.reconcile();
    expect(w.events.map((e) => e.step)).toEqual(["reload", "run", "run"]);
    expect(w.nat.redirects()).toEqual(["8080→15080"]);
    w.cleanup();
  });
});

describe("httpChaosDaemon: ApplyHttpChaos (Chaos Mesh's message)", () => {
  const apply = (w: World, fields: { rules?: string; proxyPorts?: number[]; containerId?: string; tls?: string } = {}) =>
    callDaemonHandler(w.handlers, "applyHttpChaos", { rules: JSON.stringify([replaceCode]), proxyPorts: [8080], containerId, instance: 0n, startTime: 0n, enterNs: true, instanceUid: "", tls: "", ...fields });

  it("sets the pod's whole Chaos Mesh rule set as one record beside Faultline's, answering the proxy's pid and start time with 200; empty rules recover it", async () => {
    const w = world();
    await exec(w);
    const answer = await apply(w);
    expect(answer).toMatchObject({ instance: 9000n, startTime: BigInt(1700000000 * 1000 + 500 * 10), statusCode: 200, error: "" });
    expect(w.config().rules).toEqual([
      { ...abortApi, recordKey: "uid-1/rec-a" },
      { ...replaceCode, recordKey: `chaos-mesh/${containerId}` },
    ]);
    // the whole set again, from another container of the pod: it replaces, in place
    await apply(w, { containerId: otherContainer, rules: JSON.stringify([delay9090]), proxyPorts: [9090] });
    expect(w.config().rules.map((r) => r.recordKey)).toEqual(["uid-1/rec-a", `chaos-mesh/${otherContainer}`]);
    expect(w.nat.redirects()).toEqual(["8080→15080", "9090→15081"]);
    const empty = await apply(w, { containerId: otherContainer, rules: "[]", proxyPorts: [] });
    expect(empty).toMatchObject({ instance: 0n, statusCode: 200 });
    expect(w.config().rules.map((r) => r.recordKey)).toEqual(["uid-1/rec-a"]);
    expect(w.nat.redirects()).toEqual(["8080→15080"]);
    w.cleanup();
  });

  it("a bad rule set is answered with status 400 and the error naming the field, as Chaos Mesh's proxy answers; nothing runs", async () => {
    const w = world();
    const answer = await apply(w, { rules: JSON.stringify([{ ...replaceCode, target: "Both" }]) });
    expect(answer).toMatchObject({ statusCode: 400, error: expect.stringContaining("rules[0].target:"), instance: 0n });
    expect(await apply(w, { proxyPorts: [0] })).toMatchObject({ statusCode: 400, error: expect.stringContaining("proxyPorts[0]:") });
    expect(w.events).toEqual([]);
    w.cleanup();
  });
});
