// Test support: a daemon server with only the DNSChaos handlers (see
// `../pod-netns-process/pod-netns-daemon.test-support.ts`), and a pod with a read-only resolv.conf.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { NamespaceMode } from "@faultline/api/cri";
import { connectCriRuntime, defaultTestContainerdSocket, requireRealParts } from "@faultline/test-ground";
import { nodeInPod, type NetworkPod } from "../network/daemon/network-pods.test-support.js";
import { startPodNetnsTestDaemon, type PodNetnsTestDaemon } from "../pod-netns-process/pod-netns-daemon.test-support.js";
import { createDnsChaosDaemon, type DnsChaosDaemon, type DnsChaosDaemonOptions } from "./dns-chaos-daemon.js";

export type DNSChaosTestDaemon = PodNetnsTestDaemon<DnsChaosDaemon>;

/** A daemon with only DNSChaos's handlers; its interception state in a directory of its own unless told (the same directory again: the first daemon restarted). */
export const startDNSChaosTestDaemon = (options: DnsChaosDaemonOptions = {}): Promise<DNSChaosTestDaemon> => startPodNetnsTestDaemon("DNSChaos", createDnsChaosDaemon, options);

/**
 * A busybox pod of its own network namespace (the private containerd's CNI bridge) whose
 * /etc/resolv.conf is `resolvConf`, mounted READ-ONLY from a file of the test's (as a runtime does
 * for a container with a read-only root filesystem): the container cannot change it, nor can anyone
 * through its root. `remove()` stops and removes the pod.
 */
export async function startReadOnlyResolvConfPod(name: string, resolvConf: string): Promise<{ containerId: string; pid: number; remove(): Promise<void> }> {
  requireRealParts("the private containerd");
  const socket = defaultTestContainerdSocket();
  const cri = connectCriRuntime(socket);
  const full = `${name}-${randomBytes(4).toString("hex")}`;
  const dir = mkdtempSync(join(tmpdir(), "faultline-dns-ro-"));
  const resolvFile = join(dir, "resolv.conf");
  writeFileSync(resolvFile, resolvConf);
  const logDirectory = join(dirname(socket), "podlogs", full);
  mkdirSync(logDirectory, { recursive: true });
  const namespaceOptions = { network: NamespaceMode.POD, pid: NamespaceMode.CONTAINER, ipc: NamespaceMode.POD };
  const labels = { "faultline.dev/test-fixture": "dns-read-only" };
  const sandboxConfig = { metadata: { name: full, uid: randomUUID(), namespace: "default", attempt: 0 }, hostname: full, logDirectory, labels, linux: { securityContext: { namespaceOptions } } };
  const { podSandboxId } = await cri.client.runPodSandbox({ config: sandboxConfig }, { timeoutMs: 60_000 });
  const remove = async () => {
    await cri.client.stopPodSandbox({ podSandboxId }, { timeoutMs: 60_000 }).catch(() => undefined);
    await cri.client.removePodSandbox({ podSandboxId }, { timeoutMs: 60_000 }).catch(() => undefined);
    cri.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(logDirectory, { recursive: true, force: true });
  };
  try {
    const { containerId } = await cri.client.createContainer(
      {
        podSandboxId,
        sandboxConfig,
        config: {
          metadata: { name: full, attempt: 0 },
          image: { image: "docker.io/library/busybox:latest" },
          command: ["sleep", "3600"],
          logPath: "c.log",
          labels,
          mounts: [{ containerPath: "/etc/resolv.conf", hostPath: resolvFile, readonly: true }],
          linux: { securityContext: { namespaceOptions } },
        },
      },
      { timeoutMs: 60_000 },
    );
    await cri.client.startContainer({ containerId }, { timeoutMs: 60_000 });
    const status = await cri.client.containerStatus({ containerId, verbose: true }, { timeoutMs: 60_000 });
    const pid = (JSON.parse(status.info["info"] ?? "{}") as { pid: number }).pid;
    return { containerId: `containerd://${containerId}`, pid, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** One lookup's outcome as {@link lookupInPod} reports it. */
export type DnsLookup = { rcode?: string; answers?: { type: string; data: unknown; ttl: number }[]; timeout?: true; error?: string };

// one query from inside the pod's network namespace (the test's node and dns-packet, through nsenter -n), to <server>:53,
// on a connected UDP socket as stub resolvers (glibc, musl, busybox) use: a reply from any other address is dropped
const lookupScript = `
const dp=require("dns-packet");const [server,name,type,transport]=process.argv.slice(1);
const q=dp.encode({type:"query",id:Math.floor(Math.random()*65535),flags:dp.RECURSION_DESIRED,questions:[{type,name}]});
const done=(buf)=>{const r=dp.decode(buf);console.log(JSON.stringify({rcode:r.rcode,answers:(r.answers||[]).map(a=>({type:a.type,data:a.data,ttl:a.ttl}))}));process.exit(0)};
setTimeout(()=>{console.log(JSON.stringify({timeout:true}));process.exit(0)},3000);
if(transport==="tcp"){const s=require("net").connect(53,server,()=>{const p=Buffer.alloc(2);p.writeUInt16BE(q.length);s.write(Buffer.concat([p,q]))});let b=Buffer.alloc(0);
s.on("data",c=>{b=Buffer.concat([b,c]);if(b.length>=2&&b.length>=2+b.readUInt16BE(0))done(b.subarray(2,2+b.readUInt16BE(0)))});s.on("error",e=>{console.log(JSON.stringify({error:e.code}));process.exit(0)})}
else{const s=require("dgram").createSocket("udp4");s.on("message",done);s.connect(53,server,()=>s.send(q))}`;

/** One DNS query for `name` sent from inside `pod`'s network namespace to `server`:53, over UDP (connected) or TCP. */
export async function lookupInPod(pod: NetworkPod, server: string, name: string, type = "A", transport: "udp" | "tcp" = "udp"): Promise<DnsLookup> {
  return JSON.parse((await nodeInPod(pod, lookupScript, [server, name, type, transport])).trim()) as DnsLookup;
}
