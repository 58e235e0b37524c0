import { execFile } from "node:child_process";
import dgram from "node:dgram";
import { promisify } from "node:util";
import net from "node:net";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { Code } from "@connectrpc/connect";
import dnsPacket, { type Answer, type DecodedPacket } from "dns-packet";
import { CriPodFixture, defaultTestContainerdSocket } from "@faultline/test-ground";
import { NetworkPods, inPod, type NetworkPod } from "../network/daemon/network-pods.test-support.js";
import { daemonClient, expectConfinedToPod, podStates, processAlive, until } from "../pod-netns-process/pod-netns-daemon.test-support.js";
import { lookupInPod, startDNSChaosTestDaemon, startReadOnlyResolvConfPod, type DNSChaosTestDaemon, type DnsLookup } from "./dns-daemon.test-support.js";
import { DnsStateDir, type PodDnsState } from "./daemon/dns-state.js";

// Real containerd pods with their own network namespaces, the real interceptor (the built
// resolver/dns-interceptor-main.js, run through nsenter and setpriv), real iptables in the pods'
// namespaces, real DNS packets over UDP and TCP, real gRPC. The upstream DNS server is the spec's
// own, on the host side of the pods' bridge (its gateway address, port 53): the pods' resolv.conf
// names it, and it is on this machine.
const execFileAsync = promisify(execFile);
const zone: Record<string, Answer[]> = {
  "api.example.test": [
    { type: "A", name: "api.example.test", ttl: 1234, class: "IN", data: "192.0.2.10" },
    { type: "AAAA", name: "api.example.test", ttl: 1234, class: "IN", data: "2001:db8::10" },
  ],
  "web.example.test": [{ type: "A", name: "web.example.test", ttl: 321, class: "IN", data: "192.0.2.20" }],
  "web2.example.test": [{ type: "A", name: "web2.example.test", ttl: 322, class: "IN", data: "192.0.2.21" }],
};

function answer(query: DecodedPacket): Buffer {
  const q = query.questions?.[0];
  const records = q === undefined ? undefined : zone[q.name.toLowerCase()];
  return dnsPacket.encode({
    type: "response",
    id: query.id ?? 0,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | (records === undefined ? 3 : 0),
    questions: query.questions ?? [],
    answers: (records ?? []).filter((r) => r.type === q?.type),
  });
}

/** The spec's upstream: UDP and TCP on <address>:53, answering from `zone`, counting what it got. */
async function startUpstream(address: string): Promise<{ queries: string[]; close(): Promise<void> }> {
  const queries: string[] = [];
  const udp = dgram.createSocket("udp4");
  udp.on("message", (msg, rinfo) => {
    const query = dnsPacket.decode(msg);
    queries.push(query.questions?.[0]?.name ?? "");
    udp.send(answer(query), rinfo.port, rinfo.address);
  });
  const conns = new Set<net.Socket>();
  const tcp = net.createServer((conn) => {
    conns.add(conn);
    conn.on("close", () => conns.delete(conn));
    conn.on("error", () => undefined);
    let buffered = Buffer.alloc(0);
    conn.on("data", (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const query = dnsPacket.decode(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
        queries.push(query.questions?.[0]?.name ?? "");
        const out = answer(query);
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(out.length);
        conn.write(Buffer.concat([prefix, out]));
      }
    });
  });
  await new Promise<void>((resolve, reject) => (udp.once("error", reject), udp.bind(53, address, () => resolve())));
  await new Promise<void>((resolve, reject) => (tcp.once("error", reject), tcp.listen(53, address, () => resolve())));
  return {
    queries,
    close: async () => {
      for (const c of conns) c.destroy();
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}

describe("dnsChaosDaemon (real pods, real interceptor, real DNS)", () => {
  const pods = new NetworkPods(defaultTestContainerdSocket());
  let daemon: DNSChaosTestDaemon;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gateway: string;
  let client: ReturnType<typeof daemonClient>;

  const lookup = (pod: NetworkPod, name: string, type = "A", transport: "udp" | "tcp" = "udp"): Promise<DnsLookup> => lookupInPod(pod, gateway, name, type, transport);
  const stateOf = (d: DNSChaosTestDaemon) => podStates<PodDnsState>(d);
  const natOf = (pod: NetworkPod) => inPod(pod, ["iptables-save", "-t", "nat"]);

  /** A pod whose resolv.conf names the spec's upstream, search domains and ndots as a pod's are. */
  async function targetPod(name: string, from = pods): Promise<NetworkPod> {
    const pod = await from.start(name);
    writeFileSync(`/proc/${pod.pid}/root/etc/resolv.conf`, `search default.svc.cluster.local example.test\nnameserver ${gateway}\noptions ndots:5\n`);
    return pod;
  }

  beforeAll(async () => {
    const probe = await pods.start("dns-gateway");
    gateway = (JSON.parse(await inPod(probe, ["ip", "-j", "-4", "route", "show", "default"])) as { gateway: string }[])[0]!.gateway;
    upstream = await startUpstream(gateway);
    daemon = await startDNSChaosTestDaemon();
    client = daemonClient(daemon);
  }, 120_000);

  afterAll(async () => {
    // recover whatever a failed test left, so no interceptor outlives the spec
    for (const d of [daemon]) for (const s of d ? stateOf(d) : []) for (const r of s.rules) await client.recoverDNSChaos({ containerId: r.containerId, recordKey: r.recordKey }).catch(() => undefined);
    await daemon?.stop();
    await upstream?.close();
    await pods.removeAll();
  }, 120_000);

  it("error: SERVFAIL for the pattern over UDP and TCP, other names answered as before (same address, same TTL); the interceptor runs unprivileged in the pod; recovery restores at once", async () => {
    const pod = await targetPod("dns-error");
    expect(await lookup(pod, "api.example.test")).toEqual({ rcode: "NOERROR", answers: [{ type: "A", data: "192.0.2.10", ttl: 1234 }] });

    await client.execDNSChaos({ containerId: pod.containerId, action: "error", patterns: ["api.example.test"], recordKey: "uid-err/r1" });
    expect(await lookup(pod, "api.example.test")).toMatchObject({ rcode: "SERVFAIL", answers: [] });
    expect(await lookup(pod, "API.example.test", "AAAA", "tcp")).toMatchObject({ rcode: "SERVFAIL" });
    expect(await lookup(pod, "web.example.test")).toEqual({ rcode: "NOERROR", answers: [{ type: "A", data: "192.0.2.20", ttl: 321 }] });
    expect(await lookup(pod, "web.example.test", "A", "tcp")).toEqual({ rcode: "NOERROR", answers: [{ type: "A", data: "192.0.2.20", ttl: 321 }] });
    expect(await lookup(pod, "nope.example.test")).toMatchObject({ rcode: "NXDOMAIN" });

    // the redirect in the pod's namespace, the interceptor: pod's netns, uid 2000053, no capability, its pod's cgroup
    const nat = await natOf(pod);
    expect(nat).toMatch(/-A OUTPUT -p udp -m udp --dport 53 -j FAULTLINE-DNS/);
    expect(nat).toMatch(/-A FAULTLINE-DNS -m owner --uid-owner 2000053 -j RETURN/);
    const [state] = stateOf(daemon);
    const pid = state!.interceptor!.pid;
    expectConfinedToPod(pid, pod.pid, 2000053);

    // the redirect is gone when RecoverDNSChaos answers: the very next lookup is answered normally
    // (how long that takes is measured in the closing note, not asserted on a shared machine)
    await client.recoverDNSChaos({ containerId: pod.containerId, recordKey: "uid-err/r1" });
    expect(await lookup(pod, "api.example.test")).toEqual({ rcode: "NOERROR", answers: [{ type: "A", data: "192.0.2.10", ttl: 1234 }] });
    expect(await natOf(pod)).not.toMatch(/FAULTLINE-DNS/);
    await until(() => expect(processAlive(pid)).toBe(false));
    expect(stateOf(daemon)).toEqual([]);
  }, 90_000);

  it("random: each query gets a valid address of the queried type that is not the real one; other names untouched", async () => {
    const pod = await targetPod("dns-random");
    await client.execDNSChaos({ containerId: pod.containerId, action: "random", patterns: ["api.example.*"], recordKey: "uid-rnd/r1" });
    for (let i = 0; i < 3; i++) {
      const a = await lookup(pod, "api.example.test");
      expect(a.rcode).toBe("NOERROR");
      expect(a.answers).toHaveLength(1);
      expect(net.isIPv4(String(a.answers![0]!.data))).toBe(true);
      expect(a.answers![0]!.data).not.toBe("192.0.2.10");
    }
    const aaaa = await lookup(pod, "api.example.test", "AAAA", "tcp");
    expect(net.isIPv6(String(aaaa.answers?.[0]?.data))).toBe(true);
    expect(aaaa.answers![0]!.data).not.toBe("2001:db8::10");
    expect(await lookup(pod, "web.example.test")).toEqual({ rcode: "NOERROR", answers: [{ type: "A", data: "192.0.2.20", ttl: 321 }] });
    await client.recoverDNSChaos({ containerId: pod.containerId, recordKey: "uid-rnd/r1" });
    expect(await lookup(pod, "api.example.test")).toMatchObject({ answers: [{ data: "192.0.2.10" }] });
  }, 90_000);

  it("two keys on one pod compose in one interceptor; recovering one leaves the other; ListDNSChaos lists what is held", async () => {
    const pod = await targetPod("dns-compose");
    await client.execDNSChaos({ containerId: pod.containerId, action: "error", patterns: ["api.example.test"], recordKey: "uid-a/r1" });
    const first = stateOf(daemon)[0]!.interceptor!.pid;
    await client.execDNSChaos({ containerId: pod.containerId, action: "error", patterns: ["web?.example.test"], recordKey: "uid-b/r1" });
    expect(stateOf(daemon)[0]!.interceptor!.pid).toBe(first);
    await until(async () => expect(await lookup(pod, "web2.example.test")).toMatchObject({ rcode: "SERVFAIL" }));
    expect(await lookup(pod, "api.example.test")).toMatchObject({ rcode: "SERVFAIL" });
    expect(await lookup(pod, "web.example.test")).toMatchObject({ rcode: "NOERROR", answers: [{ data: "192.0.2.20" }] });
    const { injections } = await client.listDNSChaos({});
    expect(injections.map((i) => [i.recordKey, i.containerId, i.action, i.patterns])).toEqual([
      ["uid-a/r1", pod.containerId, "error", ["api.example.test"]],
      ["uid-b/r1", pod.containerId, "error", ["web?.example.test"]],
    ]);

    await client.recoverDNSChaos({ containerId: pod.containerId, recordKey: "uid-a/r1" });
    await until(async () => expect(await lookup(pod, "api.example.test")).toMatchObject({ rcode: "NOERROR", answers: [{ data: "192.0.2.10" }] }));
    expect(await lookup(pod, "web2.example.test")).toMatchObject({ rcode: "SERVFAIL" });
    expect(await natOf(pod)).toMatch(/FAULTLINE-DNS/);
    await client.recoverDNSChaos({ containerId: pod.containerId, recordKey: "uid-b/r1" });
    expect(await lookup(pod, "web2.example.test")).toMatchObject({ rcode: "NOERROR" });
    expect((await client.listDNSChaos({})).injections).toEqual([]);
  }, 90_000);

  it("the daemon stopped mid-experiment: the interceptor keeps answering; a new daemon on the same state lists and recovers it; an interceptor killed is started again", async () => {
    const pod = await targetPod("dns-restart");
    await client.execDNSChaos({ containerId: pod.containerId, action: "error", patterns: ["api.example.test"], recordKey: "uid-rs/r1" });
    await daemon.stop(); // nothing is cleaned up: as if it were killed
    expect(await lookup(pod, "api.example.test")).toMatchObject({ rcode: "SERVFAIL" });
    expect(await lookup(pod, "web.example.test")).toMatchObject({ rcode: "NOERROR" });

    daemon = await startDNSChaosTestDaemon({ stateDir: daemon.stateDir });
    client = daemonClient(daemon);
    expect((await client.listDNSChaos({})).injections.map((i) => i.recordKey)).toEqual(["uid-rs/r1"]);

    // the interceptor dies while its redirect is in place: the reconcile loop starts it again
    const killed = stateOf(daemon)[0]!.interceptor!.pid;
    process.kill(killed, "SIGKILL");
    await until(() => expect(stateOf(daemon)[0]?.interceptor?.pid).not.toBe(killed), 10_000);
    expect(daemon.lines).toContainEqual(expect.objectContaining({ message: expect.stringContaining("started again") }));
    expect(await lookup(pod, "api.example.test")).toMatchObject({ rcode: "SERVFAIL" });

    await client.recoverDNSChaos({ containerId: pod.containerId, recordKey: "uid-rs/r1" });
    expect(await lookup(pod, "api.example.test")).toMatchObject({ rcode: "NOERROR" });
    expect(stateOf(daemon)).toEqual([]);
  }, 90_000);

  it("the pod deleted mid-experiment: its interceptor exits by itself, the state is cleaned, a later Recover is OK", async () => {
    const own = new NetworkPods(defaultTestContainerdSocket());
    let pid: number;
    let pod: NetworkPod;
    try {
      pod = await targetPod("dns-gone", own);
      await client.execDNSChaos({ containerId: pod.containerId, action: "error", patterns: [], recordKey: "uid-gone/r1" });
      pid = stateOf(daemon)[0]!.interceptor!.pid;
    } finally {
      await own.removeAll(); // the deletion under test, and on a failure before it no pod left behind
    }
    await until(() => expect(processAlive(pid)).toBe(false), 15_000);
    await until(() => expect(stateOf(daemon)).toEqual([]), 10_000).catch((e: unknown) => {
      console.log(JSON.stringify(daemon.lines.filter((l) => !String(l["message"]).startsWith("List")).slice(-8)), pid);
      throw e;
    });
    await client.recoverDNSChaos({ containerId: pod.containerId, recordKey: "uid-gone/r1" });
    expect((await client.listDNSChaos({})).injections).toEqual([]);
  }, 90_000);

  it("SetDNSServer: enable points the container's own resolv.conf at the server (search and options kept), disable restores it; nothing runs in the container", async () => {
    const pod = await targetPod("dns-set");
    // read by the container's own cat, in its mount namespace: what the container's resolver sees
    const inContainer = async () => (await execFileAsync("nsenter", ["-t", String(pod.pid), "-m", "--", "cat", "/etc/resolv.conf"])).stdout;
    const original = await inContainer();
    await client.setDNSServer({ containerId: pod.containerId, dnsServer: "10.88.0.53", enable: true, enterNs: true });
    expect(await inContainer()).toBe("search default.svc.cluster.local example.test\nnameserver 10.88.0.53\noptions ndots:5\n");
    await client.setDNSServer({ containerId: pod.containerId, enable: false, enterNs: true });
    expect(await inContainer()).toBe(original);
  }, 60_000);

  it("a read-only /etc/resolv.conf: ExecDNSChaos needs nothing written into the container and works; SetDNSServer is refused with FailedPrecondition, the file unchanged", async () => {
    const resolvConf = `search example.test\nnameserver ${gateway}\noptions ndots:2\n`;
    const ro = await startReadOnlyResolvConfPod("dns-ro", resolvConf);
    try {
      const pod = { pid: ro.pid, containerId: ro.containerId, ip: "", ip6: undefined };
      await expect(client.setDNSServer({ containerId: ro.containerId, dnsServer: "10.88.0.53", enable: true, enterNs: true })).rejects.toMatchObject({
        code: Code.FailedPrecondition,
        rawMessage: expect.stringContaining("read-only"),
      });
      expect(readFileSync(`/proc/${ro.pid}/root/etc/resolv.conf`, "utf8")).toBe(resolvConf);
      expect(existsSync(new DnsStateDir(daemon.stateDir).keptResolvConf(ro.containerId))).toBe(false); // no original kept for a change that never happened
      await client.execDNSChaos({ containerId: ro.containerId, action: "error", patterns: ["web.example.test"], recordKey: "uid-ro/r1" });
      expect(await lookup(pod, "web.example.test", "A", "tcp")).toMatchObject({ rcode: "SERVFAIL" });
      expect(await lookup(pod, "api.example.test")).toMatchObject({ rcode: "NOERROR", answers: [{ data: "192.0.2.10" }] });
      await client.recoverDNSChaos({ containerId: ro.containerId, recordKey: "uid-ro/r1" });
      expect(await lookup(pod, "web.example.test")).toMatchObject({ rcode: "NOERROR" });
    } finally {
      await ro.remove();
    }
  }, 60_000);

  it("refuses a hostNetwork target with FailedPrecondition, and an unknown container with NotFound", async () => {
    const host = new CriPodFixture(defaultTestContainerdSocket());
    try {
      const { containerId } = await host.startContainer({ name: "dns-hostnet" });
      await expect(client.execDNSChaos({ containerId, action: "error", patterns: [], recordKey: "uid-h/r1" })).rejects.toMatchObject({ code: Code.FailedPrecondition, rawMessage: expect.stringContaining("hostNetwork") });
      await expect(client.execDNSChaos({ containerId: "containerd://" + "e".repeat(64), action: "error", patterns: [], recordKey: "uid-h/r2" })).rejects.toMatchObject({ code: Code.NotFound });
      expect(stateOf(daemon)).toEqual([]);
    } finally {
      await host.removeAll();
      host.close();
    }
  }, 60_000);
});
