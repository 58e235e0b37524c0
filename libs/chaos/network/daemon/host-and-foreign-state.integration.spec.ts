import { execFile, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import { Code } from "@connectrpc/connect";
import { Chain_Direction, Tc_Type } from "@faultline/api";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { HostNamespaces, NamespaceProcessRunner, callDaemonHandler, openThrowawayNetworkNamespace, type ThrowawayNetworkNamespace } from "@faultline/daemon-server";
import { requireRealParts } from "@faultline/test-ground";
import { networkDaemonHandlers } from "./network-daemon-handlers.js";

// The daemon's own guards, with the manager bypassed (handlers called directly, a container id
// resolved to a chosen pid): a target in the node's network namespace is refused before anything
// runs, and in a real network namespace the daemon never swaps, flushes, replaces or deletes an
// ipset, an iptables chain or a root qdisc of the same name that it did not make.

const run = promisify(execFile);
const inNs = async (pid: number, argv: string[]) => (await run("nsenter", ["-t", String(pid), "-n", "--", ...argv])).stdout;

describe("the network daemon's guards on real namespaces", () => {
  const pids = new Map<string, number>();
  const runtime = { getPid: async (id: string) => pids.get(id) ?? Promise.reject(new Error(`unknown ${id}`)) } as unknown as DaemonKindDeps["runtime"];
  const realRunner = new NamespaceProcessRunner();
  const ran: number[] = [];
  const runner = { run: (req: Parameters<NamespaceProcessRunner["run"]>[0]) => (ran.push(req.pid), realRunner.run(req)) } as unknown as NamespaceProcessRunner;
  const deps: DaemonKindDeps = { runtime, runner };
  const opened: ThrowawayNetworkNamespace[] = [];
  const children: ChildProcess[] = [];
  const open = async (id: string) => {
    const ns = await openThrowawayNetworkNamespace();
    opened.push(ns);
    pids.set(id, ns.pid);
    return ns;
  };
  /** A plain process of this machine's network namespace (no unshare): the node's, as far as the daemon is concerned. */
  const plainProcess = async () => {
    const child = spawn("sleep", ["600"], { stdio: "ignore" });
    children.push(child);
    await new Promise((r, j) => (child.once("spawn", r), child.once("error", j)));
    return child.pid!;
  };

  beforeAll(() => requireRealParts("nsenter, unshare, ipset, iptables and tc on this machine"));
  afterAll(() => {
    for (const ns of opened) ns.close();
    for (const c of children) c.kill("SIGKILL");
  });

  const requests = (containerId: string) => ({
    flushIPSets: { containerId, ipsets: [{ name: "guard_set", type: "hash:net", cidrs: ["10.9.0.0/16"] }] },
    setIptablesChains: { containerId, chains: [{ name: "OUTPUT/guard", direction: Chain_Direction.OUTPUT, ipsets: [], target: "DROP", device: "lo" }] },
    setTcs: { containerId, tcs: [{ type: Tc_Type.BANDWIDTH, tbf: { rate: "8mbit", limit: 20_000, buffer: 10_000 }, device: "lo" }] },
  });

  it("refuses every network RPC for a target in the node's network namespace, running nothing there", async () => {
    const handlers = networkDaemonHandlers(deps);
    const target = await plainProcess(); // like kube-proxy: no network namespace of its own
    pids.set("containerd://host-network", target);
    for (const [rpc, req] of Object.entries(requests("containerd://host-network"))) {
      await expect(callDaemonHandler(handlers, rpc as "setTcs", req as never)).rejects.toMatchObject({
        code: Code.FailedPrecondition,
        rawMessage: expect.stringMatching(/^container containerd:\/\/host-network \(pid \d+\) is in the daemon's own net namespace .*would change the node's own qdiscs, iptables chains and ipsets; refused$/),
      });
    }
    expect(ran).not.toContain(target); // not one command ran in it (the node's capability probe runs elsewhere)
    expect((await run("ipset", ["list", "-n"])).stdout).not.toMatch(/guard_set/);

    // the daemon in a pod of its own (the chart's): the reference is the host's pid 1, here a plain process
    const hostInit = await plainProcess();
    const inPod = await open("containerd://daemon-pod");
    const asInChart = networkDaemonHandlers(deps, { hostNamespaces: new HostNamespaces({ hostPid: hostInit, selfPid: inPod.pid }) });
    await expect(callDaemonHandler(asInChart, "setTcs", requests("containerd://host-network").setTcs as never)).rejects.toMatchObject({
      code: Code.FailedPrecondition,
      rawMessage: expect.stringContaining(`is in the node's net namespace (that of pid ${hostInit})`),
    });
  }, 60_000);

  it("accepts a target in a network namespace of its own, marking what it makes, and removes it all", async () => {
    const handlers = networkDaemonHandlers(deps);
    const ns = await open("containerd://own-netns");
    const req = requests("containerd://own-netns");
    const initialQdiscs = await inNs(ns.pid, ["tc", "qdisc", "show", "dev", "lo"]);
    await callDaemonHandler(handlers, "flushIPSets", req.flushIPSets as never);
    await callDaemonHandler(handlers, "setIptablesChains", req.setIptablesChains as never);
    await callDaemonHandler(handlers, "setTcs", req.setTcs as never);
    expect(await inNs(ns.pid, ["ipset", "list", "-t", "guard_set"])).toMatch(/Header: .*comment skbinfo/);
    expect(await inNs(ns.pid, ["iptables", "-S", "OUTPUT/guard"])).toContain('-A OUTPUT/guard -m comment --comment "faultline:owned"');
    expect(JSON.parse(await inNs(ns.pid, ["tc", "-j", "qdisc", "show", "dev", "lo"]))).toMatchObject([{ kind: "tbf", handle: "1:" }]);
    await callDaemonHandler(handlers, "setTcs", { containerId: "containerd://own-netns", tcs: [] });
    await callDaemonHandler(handlers, "setIptablesChains", { containerId: "containerd://own-netns", chains: [] });
    await callDaemonHandler(handlers, "flushIPSets", { containerId: "containerd://own-netns", ipsets: [] });
    expect(await inNs(ns.pid, ["ipset", "list", "-n"])).toBe("");
    expect(await inNs(ns.pid, ["iptables", "-S"])).toBe("-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n");
    expect(await inNs(ns.pid, ["tc", "qdisc", "show", "dev", "lo"])).toBe(initialQdiscs);
  }, 60_000);

  it("leaves a same-named foreign ipset, chain and root qdisc untouched through FlushIPSets, SetIptablesChains and SetTcs, refusing to replace them", async () => {
    const handlers = networkDaemonHandlers(deps);
    const ns = await open("containerd://foreign");
    const id = "containerd://foreign";
    // someone else's: a set (even one with comments), a chain of the requested names, a root qdisc on lo
    await inNs(ns.pid, ["ipset", "create", "guard_set", "hash:net"]);
    await inNs(ns.pid, ["ipset", "add", "guard_set", "192.0.2.0/24"]);
    await inNs(ns.pid, ["ipset", "create", "commented", "hash:net", "comment"]);
    await inNs(ns.pid, ["iptables", "-N", "OUTPUT/guard"]);
    await inNs(ns.pid, ["iptables", "-A", "OUTPUT/guard", "-j", "RETURN"]);
    await inNs(ns.pid, ["iptables", "-N", "CHAOS-INPUT"]);
    await inNs(ns.pid, ["iptables", "-A", "INPUT", "-j", "CHAOS-INPUT"]);
    await inNs(ns.pid, ["tc", "qdisc", "add", "dev", "lo", "root", "handle", "5:", "tbf", "rate", "1mbit", "burst", "10000", "limit", "20000"]);
    const state = async () => ({
      ipsets: await inNs(ns.pid, ["ipset", "save"]),
      filter: await inNs(ns.pid, ["iptables", "-S"]),
      mangle: await inNs(ns.pid, ["iptables", "-t", "mangle", "-S"]),
      qdiscs: await inNs(ns.pid, ["tc", "qdisc", "show"]),
    });
    const before = await state();

    const req = requests(id);
    await expect(callDaemonHandler(handlers, "flushIPSets", req.flushIPSets as never)).rejects.toMatchObject({
      code: Code.FailedPrecondition,
      rawMessage: "ipsets[0].name: ipset guard_set exists in the container's network namespace and is not Faultline's (created without its comment skbinfo mark); the daemon never swaps, renames or destroys it",
    });
    await expect(callDaemonHandler(handlers, "flushIPSets", { containerId: id, ipsets: [{ name: "commented", type: "hash:net", cidrs: ["10.0.0.0/8"] }] })).rejects.toMatchObject({
      code: Code.FailedPrecondition,
      rawMessage: expect.stringContaining("ipset commented exists in the container's network namespace and is not Faultline's"),
    });
    await expect(callDaemonHandler(handlers, "setIptablesChains", req.setIptablesChains as never)).rejects.toMatchObject({
      code: Code.FailedPrecondition,
      rawMessage: expect.stringContaining("iptables chains CHAOS-INPUT, OUTPUT/guard (table filter, ipv4) exist in the container's network namespace and are not Faultline's"),
    });
    await expect(callDaemonHandler(handlers, "setTcs", req.setTcs as never)).rejects.toMatchObject({
      code: Code.FailedPrecondition,
      rawMessage: expect.stringContaining("root qdiscs Faultline did not install: tbf handle 5: on lo"),
    });
    // recoveries (empty desired state) remove only Faultline's: here, nothing
    await callDaemonHandler(handlers, "setTcs", { containerId: id, tcs: [] });
    await callDaemonHandler(handlers, "setIptablesChains", { containerId: id, chains: [] });
    await callDaemonHandler(handlers, "flushIPSets", { containerId: id, ipsets: [] });
    expect(await state()).toEqual(before);
    expect(before.ipsets).toContain("add guard_set 192.0.2.0/24");

    // Faultline's own objects beside them still work, and go without taking the foreign ones along
    await callDaemonHandler(handlers, "flushIPSets", { containerId: id, ipsets: [{ name: "fl_set", type: "hash:net", cidrs: ["10.9.0.0/16"] }] });
    await callDaemonHandler(handlers, "flushIPSets", { containerId: id, ipsets: [] });
    expect(await state()).toEqual(before);
  }, 60_000);

  it("refuses per-target shaping while a foreign FAULTLINE-TC mangle chain exists, adding no qdisc", async () => {
    const handlers = networkDaemonHandlers(deps);
    const ns = await open("containerd://foreign-mangle");
    const id = "containerd://foreign-mangle";
    await inNs(ns.pid, ["iptables", "-t", "mangle", "-N", "FAULTLINE-TC"]);
    await inNs(ns.pid, ["iptables", "-t", "mangle", "-A", "FAULTLINE-TC", "-j", "RETURN"]);
    await callDaemonHandler(handlers, "flushIPSets", { containerId: id, ipsets: [{ name: "bw_tgt", type: "hash:net", cidrs: ["10.9.0.0/16"] }] });
    const before = { mangle: await inNs(ns.pid, ["iptables", "-t", "mangle", "-S"]), qdiscs: await inNs(ns.pid, ["tc", "qdisc", "show"]) };
    await expect(
      callDaemonHandler(handlers, "setTcs", { containerId: id, tcs: [{ type: Tc_Type.BANDWIDTH, tbf: { rate: "8mbit", limit: 20_000, buffer: 10_000 }, ipset: "bw_tgt", device: "lo" }] } as never),
    ).rejects.toMatchObject({ code: Code.FailedPrecondition, rawMessage: expect.stringContaining("iptables chain FAULTLINE-TC (table mangle, ipv4) exists in the container's network namespace and is not Faultline's") });
    expect({ mangle: await inNs(ns.pid, ["iptables", "-t", "mangle", "-S"]), qdiscs: await inNs(ns.pid, ["tc", "qdisc", "show"]) }).toEqual(before);
    expect(before.mangle).toContain("-A FAULTLINE-TC -j RETURN");
  }, 60_000);
});
