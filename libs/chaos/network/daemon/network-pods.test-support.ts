// Test support: real pods with their OWN network namespace (CNI bridge of the private containerd,
// tools/runtime/setup.sh), unlike CriPodFixture's host-network pods, plus tools to send traffic
// from inside a pod's namespace (the test's own node binary run through nsenter -n).
import { execFile, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { NamespaceMode } from "@faultline/api/cri";
import { connectCriRuntime, defaultTestContainerdSocket, requireRealParts } from "@faultline/test-ground";

const run = promisify(execFile);

/** A pod of its own network namespace: its container id, init pid, eth0's IPv4 address and IPv6 link-local address (with `%eth0`). */
export interface NetworkPod {
  containerId: string;
  pid: number;
  ip: string;
  /** e.g. `fe80::c077:d0ff:feaf:2437` */
  ip6: string | undefined;
}

/** Starts and removes pod-network busybox pods through the private containerd's CRI. */
export class NetworkPods {
  readonly #socket: string;
  readonly #cri: ReturnType<typeof connectCriRuntime>;
  readonly #sandboxes: string[] = [];
  readonly #logDirectories: string[] = [];

  constructor(socket = defaultTestContainerdSocket()) {
    this.#socket = socket;
    this.#cri = connectCriRuntime(socket);
  }

  async start(name: string, command: string[] = ["sleep", "3600"]): Promise<NetworkPod> {
    requireRealParts(`the container runtime at ${this.#socket}`);
    const full = `${name}-${randomBytes(4).toString("hex")}`;
    const logDirectory = join(dirname(this.#socket), "podlogs", full);
    await mkdir(logDirectory, { recursive: true });
    this.#logDirectories.push(logDirectory);
    const namespaceOptions = { network: NamespaceMode.POD, pid: NamespaceMode.CONTAINER, ipc: NamespaceMode.POD };
    const labels = { "faultline.dev/test-fixture": "network-pods" };
    const sandboxConfig = {
      metadata: { name: full, uid: randomUUID(), namespace: "default", attempt: 0 },
      hostname: full,
      logDirectory,
      labels,
      linux: { securityContext: { namespaceOptions } },
    };
    const cri = this.#cri.client;
    const { podSandboxId } = await cri.runPodSandbox({ config: sandboxConfig }, { timeoutMs: 60_000 });
    this.#sandboxes.push(podSandboxId);
    const { containerId } = await cri.createContainer(
      {
        podSandboxId,
        sandboxConfig,
        config: { metadata: { name: full, attempt: 0 }, image: { image: "docker.io/library/busybox:latest" }, command, logPath: "c.log", labels, linux: { securityContext: { namespaceOptions } } },
      },
      { timeoutMs: 60_000 },
    );
    await cri.startContainer({ containerId }, { timeoutMs: 60_000 });
    const status = await cri.containerStatus({ containerId, verbose: true }, { timeoutMs: 60_000 });
    const pid = (JSON.parse(status.info["info"] ?? "{}") as { pid: number }).pid;
    const { stdout } = await run("nsenter", ["-t", String(pid), "-n", "--", "ip", "-j", "-4", "addr", "show", "eth0"]);
    const ip = (JSON.parse(stdout) as { addr_info: { local: string }[] }[])[0]!.addr_info[0]!.local;
    let ip6: string | undefined;
    for (let i = 0; i < 50 && ip6 === undefined; i++) {
      const v6 = await run("nsenter", ["-t", String(pid), "-n", "--", "ip", "-j", "-6", "addr", "show", "eth0"]);
      const info = (JSON.parse(v6.stdout) as { addr_info?: { local: string; scope: string; tentative?: boolean }[] }[])[0]?.addr_info ?? [];
      ip6 = info.find((a) => a.scope === "link" && !a.tentative)?.local;
      if (ip6 === undefined) await new Promise((r) => setTimeout(r, 100)); // duplicate address detection
    }
    return { containerId: `containerd://${containerId}`, pid, ip, ip6 };
  }

  async removeAll(): Promise<void> {
    for (const podSandboxId of this.#sandboxes.splice(0)) {
      await this.#cri.client.stopPodSandbox({ podSandboxId }, { timeoutMs: 60_000 }).catch(() => undefined);
      await this.#cri.client.removePodSandbox({ podSandboxId }, { timeoutMs: 60_000 }).catch(() => undefined);
    }
    this.#cri.close();
    for (const dir of this.#logDirectories.splice(0)) await rm(dir, { recursive: true, force: true });
  }
}

/** Runs a command in a pod's network namespace (host binaries), returning stdout. */
export async function inPod(pod: { pid: number }, argv: string[], timeoutMs = 20_000): Promise<string> {
  const { stdout } = await run("nsenter", ["-t", String(pod.pid), "-n", "--", ...argv], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** Runs a small Node script in a pod's network namespace (the test's own node, through nsenter -n); resolves with its stdout. */
export function nodeInPod(pod: { pid: number }, script: string, args: string[] = [], timeoutMs = 30_000): Promise<string> {
  return receiverInPod(pod, script, args, timeoutMs).output;
}

/**
 * Starts a small Node script in a pod's network namespace that prints a line `ready` once it can
 * receive (bound, listening): `ready` resolves then, and `output` with the rest of its stdout when it
 * exits. A sender started after `ready` cannot lose its first packets to a receiver still starting.
 * `stop()` sends it SIGTERM (nsenter has exec'd node, so the signal reaches the script).
 */
export function receiverInPod(pod: { pid: number }, script: string, args: string[] = [], timeoutMs = 30_000): { ready: Promise<void>; output: Promise<string>; stop(): void } {
  // without FORCE_COLOR (Nx sets it for its tasks): console.log of a number would print it in colour codes
  const env = { ...process.env };
  delete env["FORCE_COLOR"];
  const child = spawn("nsenter", ["-t", String(pod.pid), "-n", "--", process.execPath, "-e", script, "--", ...args], { stdio: ["ignore", "pipe", "pipe"], env });
  let out = "";
  let err = "";
  let markReady: () => void = () => undefined;
  let markNeverReady: (e: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => ((markReady = resolve), (markNeverReady = reject)));
  ready.catch(() => undefined); // nodeInPod never waits for it
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString();
    if (/^ready$/m.test(out)) markReady();
  });
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const output = new Promise<string>((resolve, reject) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      // a receiver that ends before it is ready fails the wait for it instead of hanging it (no-op once ready)
      markNeverReady(new Error(`node in pod ${pod.pid} exited ${code} before printing ready: ${err.trim()}`));
      if (code === 0) resolve(out.replace(/^ready\n/m, ""));
      else reject(new Error(`node in pod ${pod.pid} exited ${code}: ${err.trim()}`));
    });
  });
  output.catch(() => undefined); // a caller that stops it, or gives up on it, need not wait for its end
  return { ready, output, stop: () => child.kill("SIGTERM") };
}

/** Whether a TCP connection from `from`'s namespace to ip:port opens within the timeout. */
export async function canConnect(from: { pid: number }, ip: string, port: number, timeoutMs = 1500): Promise<boolean> {
  const script = `const s=require("net").connect(+process.argv[2],process.argv[1]);const t=setTimeout(()=>{console.log("timeout");process.exit(0)},+process.argv[3]);s.on("connect",()=>{console.log("open");process.exit(0)});s.on("error",e=>{console.log(e.code);process.exit(0)})`;
  const out = await nodeInPod(from, script, [ip, String(port), String(timeoutMs)]);
  return out.trim() === "open";
}

/** A TCP listener inside a pod's namespace (IPv4 and IPv6) that accepts and holds connections, for up to an hour; `stop()` ends it. */
export function listenInPod(pod: { pid: number }, port: number): { stop(): void; ready: Promise<void> } {
  const script = `require("net").createServer(c=>c.on("error",()=>{})).listen(+process.argv[1],"::",()=>console.log("ready"))`;
  return receiverInPod(pod, script, [String(port)], 60 * 60_000);
}

/**
 * Sends `count` UDP datagrams from `from` to `to`; how many arrived. The receiver counts from its
 * bind until 1 s after the sender has ended, so neither a receiver slow to start nor a sender slow to
 * start on a loaded machine loses datagrams the network delivered.
 *
 * The sender sends one datagram at a time, each after the last one's callback, and ends after the
 * last. Many in flight would let libuv batch them with sendmmsg(2) once the socket buffer is full
 * (under a bandwidth limit): a datagram the firewall drops mid-batch ends the batch early with its
 * EPERM lost, and libuv sends it again. A loss of 25% then measured about 21%.
 */
export async function udpDelivered(from: NetworkPod, to: NetworkPod, port: number, count: number): Promise<number> {
  const receiver = receiverInPod(
    to,
    `let n=0;const s=require("dgram").createSocket("udp4");s.on("message",()=>n++);s.bind(+process.argv[1],()=>{s.setRecvBufferSize(8<<20);console.log("ready")});process.on("SIGTERM",()=>{console.log(n);process.exit(0)})`,
    [String(port)],
    60_000,
  );
  await receiver.ready;
  try {
    await nodeInPod(
      from,
      `const s=require("dgram").createSocket("udp4");let i=0;const total=+process.argv[3];const m=Buffer.alloc(64);const next=()=>{if(i++===total)process.exit(0);s.send(m,+process.argv[2],process.argv[1],next)};next()`,
      [to.ip, String(port), String(count)],
      30_000,
    );
    await new Promise((r) => setTimeout(r, 1000));
  } finally {
    receiver.stop();
  }
  return Number((await receiver.output).trim());
}
