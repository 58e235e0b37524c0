import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, open, readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { create } from "@bufbuild/protobuf";
import { NodeCapabilitiesSchema, type NodeCapabilities } from "@faultline/api";
import { iptablesCommands, type IptablesBackend } from "./iptables-commands.js";
import { NamespaceProcessError, type NamespaceProcessRunner } from "./namespace-process-runner.js";
import { openThrowawayNetworkNamespace } from "./throwaway-network-namespace.js";

/** The queueing disciplines the probe tries. */
export const probedQdiscs = ["netem", "prio", "sfq", "htb", "tbf", "ingress", "clsact"] as const;
/** The tc classifiers the probe tries. */
export const probedClassifiers = ["u32", "bpf"] as const;
/** The iptables matches and targets the probe tries. */
export const probedIptablesExtensions = ["statistic", "set", "CLASSIFY", "multiport", "REDIRECT", "owner"] as const;

/**
 * Whether the node can intercept a pod's DNS (DNSChaos): iptables with the nat table's REDIRECT
 * target and the owner match (the resolver's own queries are let through by its uid). Its flag is
 * `dns/interception`.
 */
export function dnsInterceptionCapable(caps: NodeCapabilities): boolean {
  return caps.iptablesBackend !== "" && caps.iptablesExtensions.includes("REDIRECT") && caps.iptablesExtensions.includes("owner");
}

/**
 * Whether the node can take a pod's incoming HTTP into a proxy (HTTPChaos): iptables with the nat
 * table's REDIRECT target (PREROUTING, in the pod's network namespace; the proxy's own connections
 * to the server are local, never seen there, so no owner match is needed). Its flag is
 * `http/interception`.
 */
export function httpInterceptionCapable(caps: NodeCapabilities): boolean {
  return caps.iptablesBackend !== "" && caps.iptablesExtensions.includes("REDIRECT");
}

/**
 * The capability TimeChaos needs (`time/vdso-skew`), as {@link nodeCapabilityFlags} names it: the
 * node can patch a process's vDSO (x86_64, ptrace allowed, the helper runs). It says nothing of
 * whether a container's processes USE the vDSO: one reading the clock only by raw syscalls (or a
 * static binary never calling the vDSO) still has a `[vdso]` mapping, is injected and is not
 * skewed; neither this probe nor SetTimeOffset's can tell (libs/chaos/time/README.md).
 */
export const timeSkewCapabilityName = "time/vdso-skew";

/**
 * Whether TimeChaos can skew processes on this node, from what the probe found: x86_64 (the
 * helper's patch is x86_64 code), ptrace allowed (Yama's ptrace_scope below 3: scope 3 forbids
 * every attach), and the helper's own `probe` of the daemon's process succeeding (the binary is
 * there, runs, and finds the vDSO's symbols and room for its image). The reason says which failed.
 *
 * @example
 * timeSkewVerdict({ arch: "arm64", yamaScope: 1, helper: { ok: true } }) // { capable: false, reason: "architecture arm64: ..." }
 */
export function timeSkewVerdict(found: { arch: string; yamaScope: number | undefined; helper: { ok: true } | { ok: false; reason: string } }): { capable: true } | { capable: false; reason: string } {
  if (found.arch !== "x64") return { capable: false, reason: `architecture ${found.arch}: the time-skew helper patches x86_64 code only` };
  if (found.yamaScope === 3) return { capable: false, reason: "Yama ptrace_scope is 3: no process may be ptraced on this node" };
  if (!found.helper.ok) return { capable: false, reason: found.helper.reason };
  return { capable: true };
}

/** `name` if it holds a slash, else the first executable of that name on PATH; rejects as access does when there is none. */
async function executableOnPath(name: string): Promise<string> {
  if (name.includes("/")) {
    await access(name, constants.X_OK);
    return name;
  }
  for (const dir of (process.env["PATH"] ?? "").split(":").filter(Boolean)) {
    const candidate = `${dir}/${name}`;
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  throw Object.assign(new Error(`${name} not found on PATH`), { code: "ENOENT" });
}

/** The capability IOChaos needs (`io/fuse`), as {@link nodeCapabilityFlags} names it. */
export const ioFuseCapabilityName = "io/fuse";

type Found = { ok: true } | { ok: false; reason: string };

/**
 * Whether IOChaos can fault volumes on this node, from what the probe found: x86_64 (both helpers
 * are built for it), ptrace allowed (Yama's ptrace_scope below 3: the descriptor swap seizes the
 * container's processes), /dev/fuse openable by the daemon, the FUSE server helper runnable (its
 * `check` answered) and the descriptor swap helper executable. The reason says which failed.
 *
 * @example
 * ioFuseVerdict({ arch: "x64", yamaScope: 1, devFuse: { ok: false, reason: "ENOENT" }, iofs: { ok: true }, fdSwap: { ok: true } })
 * // { capable: false, reason: "/dev/fuse cannot be opened: ENOENT" }
 */
export function ioFuseVerdict(found: { arch: string; yamaScope: number | undefined; devFuse: Found; iofs: Found; fdSwap: Found; capabilities?: Found }): { capable: true } | { capable: false; reason: string } {
  if (found.arch !== "x64") return { capable: false, reason: `architecture ${found.arch}: the FUSE server and descriptor swap helpers are built for x86_64 only` };
  if (found.yamaScope === 3) return { capable: false, reason: "Yama ptrace_scope is 3: the container's open files cannot be switched (no process may be ptraced on this node)" };
  if (found.capabilities !== undefined && !found.capabilities.ok) return { capable: false, reason: found.capabilities.reason };
  if (!found.devFuse.ok) return { capable: false, reason: `/dev/fuse cannot be opened: ${found.devFuse.reason}` };
  if (!found.iofs.ok) return { capable: false, reason: found.iofs.reason };
  if (!found.fdSwap.ok) return { capable: false, reason: found.fdSwap.reason };
  return { capable: true };
}

/** The refusal `faultline-iofs check --volume /` gives once it has entered the mount namespace and resolved `/` there. */
export const iofsRootRefusal = "volume / is the container's root /";

/**
 * Whether `faultline-iofs check --pid <self> --volume /` proved it can enter a mount namespace: its
 * one JSON line must be the refusal of `/` ({@link iofsRootRefusal}), which it gives only after setns
 * and resolving the path there; anything else (another refusal, `ok:true`, no line) is its reason.
 */
export function iofsRootCheckFound(stdout: string, stderr: string, failure: string | undefined, helper: string): Found {
  for (const line of stdout.split("\n")) {
    let parsed: { ok?: unknown; reason?: unknown };
    try {
      parsed = JSON.parse(line) as { ok?: unknown; reason?: unknown };
    } catch {
      continue;
    }
    if (parsed.ok === false && parsed.reason === iofsRootRefusal) return { ok: true };
    return { ok: false, reason: `the FUSE server helper ${helper} cannot enter a mount namespace: its check of / answered ${line.trim()}` };
  }
  return { ok: false, reason: `the FUSE server helper ${helper} does not run: ${stderr.trim().split("\n")[0] || failure || "no answer"}` };
}

/** CAP_SYS_ADMIN (mount, setns) and CAP_SYS_PTRACE (the descriptor swap) in a /proc/<pid>/status's CapEff, else which are missing. */
export function ioFuseCapabilitiesFound(status: string): Found {
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (hex === undefined) return { ok: false, reason: "the daemon's effective capabilities (CapEff) cannot be read" };
  const eff = BigInt(`0x${hex}`);
  const missing = [
    ["CAP_SYS_ADMIN", 21n],
    ["CAP_SYS_PTRACE", 19n],
  ].filter(([, bit]) => (eff & (1n << (bit as bigint))) === 0n).map(([name]) => name as string);
  return missing.length === 0 ? { ok: true } : { ok: false, reason: `the daemon lacks ${missing.join(" and ")} (CapEff ${hex}): it cannot mount in a container nor switch its open files` };
}

/** The reason a `faultline-time-skew probe` run gives for refusing: its JSON line's error, else its stderr, else how it failed. */
export function timeSkewProbeReason(stdout: string, stderr: string, failure: string): string {
  for (const line of stdout.split("\n")) {
    try {
      const parsed = JSON.parse(line) as { error?: unknown; reason?: unknown };
      const text = parsed.error ?? parsed.reason;
      if (typeof text === "string" && text !== "") return `the time-skew helper's probe refused: ${text}`;
    } catch {
      // not a JSON line
    }
  }
  const first = stderr.trim().split("\n")[0];
  return `the time-skew helper's probe failed: ${first !== undefined && first !== "" ? first : failure}`;
}

/**
 * Every capability of a NodeCapabilities answer as one flat name → present map, the names used on
 * `/metrics` (`faultline_daemon_node_capability{capability}`) and by the manager's refusals:
 * `qdisc/netem`, `classifier/u32`, `ipset`, `ipset/inet6`, `iptables`, `ip6tables`,
 * `iptables/statistic`, `iptables-backend/nf_tables`, `cgroup/hybrid`, `stress-ng`, `dns/interception`, `http/interception`, `time/vdso-skew`, `io/fuse`.
 *
 * @example
 * nodeCapabilityFlags(caps).get("qdisc/netem") // false on a kernel without sch_netem
 */
export function nodeCapabilityFlags(caps: NodeCapabilities): Map<string, boolean> {
  const flags = new Map<string, boolean>();
  for (const q of probedQdiscs) flags.set(`qdisc/${q}`, caps.qdiscs.includes(q));
  for (const c of probedClassifiers) flags.set(`classifier/${c}`, caps.classifiers.includes(c));
  flags.set("ipset", caps.ipset);
  flags.set("ipset/inet6", caps.ipsetInet6);
  flags.set("iptables", caps.iptablesBackend !== "");
  flags.set("ip6tables", caps.ip6tables);
  for (const e of probedIptablesExtensions) flags.set(`iptables/${e}`, caps.iptablesExtensions.includes(e));
  for (const b of ["nf_tables", "legacy"]) flags.set(`iptables-backend/${b}`, caps.iptablesBackend === b);
  for (const m of ["v1", "v2", "hybrid"]) flags.set(`cgroup/${m}`, caps.cgroupMode === m);
  flags.set("stress-ng", caps.stressNg);
  flags.set("dns/interception", dnsInterceptionCapable(caps));
  flags.set("http/interception", httpInterceptionCapable(caps));
  flags.set(timeSkewCapabilityName, caps.timeVdsoSkew);
  flags.set(ioFuseCapabilityName, caps.ioFuse);
  return flags;
}

/** Options of a {@link NodeCapabilityProbe}. */
export interface NodeCapabilityProbeOptions {
  /** Runs the probe's commands inside the throw-away namespace and the host's. */
  runner: NamespaceProcessRunner;
  /** The node's name in the answer; default `$NODE_NAME`, else the host name. */
  nodeName?: string;
  /** A pid in the host's network and mount namespaces (the daemon runs with hostPID); default 1. */
  hostPid?: number;
  /** Where unshare is; default "unshare" from PATH. */
  unsharePath?: string;
  /**
   * The TimeChaos helper binary; default `$FAULTLINE_TIME_SKEW_BIN`, else "faultline-time-skew" from
   * PATH. The daemon app names the one @faultline/chaos builds (`defaultTimeSkewBinary()`).
   */
  timeSkewHelper?: string;
  /**
   * IOChaos's FUSE server helper; default `$FAULTLINE_IOFS_BIN`, else "faultline-iofs" from PATH.
   * The daemon app names the one @faultline/chaos builds.
   */
  iofsHelper?: string;
  /** IOChaos's descriptor swap helper; default `$FAULTLINE_FD_SWAP_BIN`, else "faultline-fd-swap" from PATH. */
  fdSwapHelper?: string;
  /** The FUSE device; default /dev/fuse (specs name one that is missing). */
  fuseDevice?: string;
}

type Try = (argv: string[], input?: string) => Promise<{ ok: boolean; stderr: string; stdout: string }>;

/**
 * Finds out, for real, what this node's kernel and userland can do for chaos: each qdisc and
 * classifier added in a throw-away network namespace (`unshare -n`), ipsets created there, the
 * iptables backend the host's own rules are in (never a forced one) and its extensions, the cgroup
 * layout, stress-ng. Probes once, on first use, and caches the answer; `refresh()` probes again.
 *
 * @example
 * const probe = new NodeCapabilityProbe({ runner });
 * const caps = await probe.get(); // caps.qdiscs → ["htb", "tbf", "ingress", "clsact"] on these machines
 */
export class NodeCapabilityProbe {
  readonly nodeName: string;
  readonly #runner: NamespaceProcessRunner;
  readonly #hostPid: number;
  readonly #unsharePath: string | undefined;
  readonly #timeSkewHelper: string;
  readonly #iofsHelper: string;
  readonly #fdSwapHelper: string;
  readonly #fuseDevice: string;
  #cached: Promise<NodeCapabilities> | undefined;

  constructor(options: NodeCapabilityProbeOptions) {
    this.#runner = options.runner;
    this.nodeName = options.nodeName ?? process.env["NODE_NAME"] ?? hostname();
    this.#hostPid = options.hostPid ?? 1;
    this.#unsharePath = options.unsharePath;
    this.#timeSkewHelper = options.timeSkewHelper ?? process.env["FAULTLINE_TIME_SKEW_BIN"] ?? "faultline-time-skew";
    this.#iofsHelper = options.iofsHelper ?? process.env["FAULTLINE_IOFS_BIN"] ?? "faultline-iofs";
    this.#fdSwapHelper = options.fdSwapHelper ?? process.env["FAULTLINE_FD_SWAP_BIN"] ?? "faultline-fd-swap";
    this.#fuseDevice = options.fuseDevice ?? "/dev/fuse";
  }

  /** The node's capabilities, probed on the first call and cached. */
  get(): Promise<NodeCapabilities> {
    this.#cached ??= this.#probe().catch((error: unknown) => {
      this.#cached = undefined;
      throw error;
    });
    return this.#cached;
  }

  /** Probes again (after a module was loaded, for example) and caches the new answer. */
  refresh(): Promise<NodeCapabilities> {
    this.#cached = undefined;
    return this.get();
  }

  async #probe(): Promise<NodeCapabilities> {
    const caps = create(NodeCapabilitiesSchema, { nodeName: this.nodeName });
    const ns = await openThrowawayNetworkNamespace({ unsharePath: this.#unsharePath });
    try {
      const inNs: Try = (argv, input) => this.#try(ns.pid, argv, input);
      await this.#probeTc(inNs, caps);
      await this.#probeIpset(inNs, caps);
      await this.#probeIptables(inNs, caps);
      caps.stressNg = (await inNs(["stress-ng", "--version"])).ok;
    } finally {
      ns.close();
    }
    caps.cgroupMode = await this.#cgroupMode(caps);
    await this.#probeTimeSkew(caps);
    await this.#probeIoFuse(caps);
    return caps;
  }

  /**
   * `io/fuse`: the architecture, Yama's ptrace_scope, /dev/fuse opened (and closed), CAP_SYS_ADMIN
   * and CAP_SYS_PTRACE in the daemon's CapEff, the FUSE server helper's `check` of the daemon's own
   * root (it must refuse `/` as the root it found after entering the mount namespace: nothing is
   * touched) and the descriptor swap helper executable.
   */
  async #probeIoFuse(caps: NodeCapabilities): Promise<void> {
    const scopeText = await readFile("/proc/sys/kernel/yama/ptrace_scope", "utf8").catch(() => undefined);
    const yamaScope = scopeText === undefined ? undefined : Number(scopeText.trim());
    const devFuse: Found = await open(this.#fuseDevice, "r+").then(
      async (fd) => {
        await fd.close();
        return { ok: true } as const;
      },
      (error: NodeJS.ErrnoException) => ({ ok: false, reason: error.code ?? error.message }),
    );
    const iofs = await new Promise<Found>((resolve) => {
      execFile(this.#iofsHelper, ["check", "--pid", String(process.pid), "--volume", "/"], { timeout: 10_000, killSignal: "SIGKILL" }, (error, stdout, stderr) =>
        resolve(iofsRootCheckFound(String(stdout), String(stderr), error?.message, this.#iofsHelper)),
      );
    });
    const capabilities = ioFuseCapabilitiesFound(await readFile("/proc/self/status", "utf8").catch(() => ""));
    const fdSwap: Found = await executableOnPath(this.#fdSwapHelper).then(
      () => ({ ok: true }) as const,
      (error: NodeJS.ErrnoException) => ({ ok: false, reason: `the descriptor swap helper ${this.#fdSwapHelper} is not executable: ${error.code ?? error.message}` }),
    );
    const verdict = ioFuseVerdict({ arch: process.arch, yamaScope, devFuse, iofs, fdSwap, capabilities });
    caps.ioFuse = verdict.capable;
    if (!verdict.capable) caps.notes.push(`${ioFuseCapabilityName}: ${verdict.reason}`);
  }

  /**
   * `time/vdso-skew`: the architecture, Yama's ptrace_scope, and the helper's probe of the daemon's
   * own process — the helper named by `timeSkewHelper` (the daemon app passes
   * `defaultTimeSkewBinary()`), else `$FAULTLINE_TIME_SKEW_BIN`, else "faultline-time-skew" on PATH.
   */
  async #probeTimeSkew(caps: NodeCapabilities): Promise<void> {
    const scopeText = await readFile("/proc/sys/kernel/yama/ptrace_scope", "utf8").catch(() => undefined);
    const yamaScope = scopeText === undefined ? undefined : Number(scopeText.trim());
    const helper =
      process.arch !== "x64" || yamaScope === 3
        ? ({ ok: true } as const)
        : await new Promise<{ ok: true } | { ok: false; reason: string }>((resolve) => {
            execFile(this.#timeSkewHelper, ["probe", String(process.pid)], { timeout: 10_000, killSignal: "SIGKILL" }, (error, stdout, stderr) =>
              resolve(error === null ? { ok: true } : { ok: false, reason: timeSkewProbeReason(String(stdout), String(stderr), error.message) }),
            );
          });
    const verdict = timeSkewVerdict({ arch: process.arch, yamaScope, helper });
    caps.timeVdsoSkew = verdict.capable;
    if (!verdict.capable) caps.notes.push(`${timeSkewCapabilityName}: ${verdict.reason}`);
  }

  async #try(pid: number, argv: string[], input?: string) {
    try {
      const r = await this.#runner.run({ pid, namespaces: ["net"], argv, input, timeoutMs: 10_000 });
      return { ok: true, stderr: r.stderr, stdout: r.stdout };
    } catch (error) {
      if (error instanceof NamespaceProcessError) return { ok: false, stderr: error.stderr || error.message, stdout: "" };
      throw error;
    }
  }

  async #probeTc(inNs: Try, caps: NodeCapabilities): Promise<void> {
    const args: Record<(typeof probedQdiscs)[number], string[]> = {
      netem: ["root", "handle", "1:", "netem", "delay", "1ms"],
      prio: ["root", "handle", "1:", "prio"],
      sfq: ["root", "handle", "1:", "sfq"],
      htb: ["root", "handle", "1:", "htb", "default", "1"],
      tbf: ["root", "handle", "1:", "tbf", "rate", "1mbit", "burst", "32kb", "limit", "100000"],
      ingress: ["ingress"],
      clsact: ["clsact"],
    };
    for (const q of probedQdiscs) {
      const r = await inNs(["tc", "qdisc", "add", "dev", "lo", ...args[q]]);
      if (r.ok) caps.qdiscs.push(q);
      else if (!/unknown|not found|No such file/i.test(r.stderr)) caps.notes.push(`qdisc ${q}: ${r.stderr.trim().split("\n")[0]}`);
      await inNs(["tc", "qdisc", "del", "dev", "lo", ...(q === "ingress" || q === "clsact" ? [q] : ["root"])]);
    }
    // classifiers: on a clsact hook where it exists, else under an htb root
    const hook = caps.qdiscs.includes("clsact")
      ? { setup: ["clsact"], parent: ["egress"], teardown: ["clsact"] }
      : caps.qdiscs.includes("htb")
        ? { setup: ["root", "handle", "1:", "htb"], parent: ["parent", "1:"], teardown: ["root"] }
        : undefined;
    if (hook === undefined) {
      caps.notes.push("classifiers not probed: neither clsact nor htb is available");
      return;
    }
    const classifierArgs: Record<(typeof probedClassifiers)[number], string[]> = {
      u32: ["u32", "match", "u32", "0", "0"],
      bpf: ["bpf", "bytecode", "1,6 0 0 4294967295,"], // classic BPF: "accept"
    };
    await inNs(["tc", "qdisc", "add", "dev", "lo", ...hook.setup]);
    let prio = 1;
    for (const c of probedClassifiers) {
      const r = await inNs(["tc", "filter", "add", "dev", "lo", ...hook.parent, "protocol", "all", "prio", String(prio++), ...classifierArgs[c]]);
      if (r.ok) caps.classifiers.push(c);
    }
    await inNs(["tc", "qdisc", "del", "dev", "lo", ...hook.teardown]);
  }

  async #probeIpset(inNs: Try, caps: NodeCapabilities): Promise<void> {
    const v4 = await inNs(["ipset", "restore"], "create fl-probe-net hash:net\ncreate fl-probe-port hash:net,port\ncreate fl-probe-list list:set\nadd fl-probe-list fl-probe-net\n");
    caps.ipset = v4.ok;
    if (!v4.ok) caps.notes.push(`ipset: ${v4.stderr.trim().split("\n")[0]}`);
    caps.ipsetInet6 = v4.ok && (await inNs(["ipset", "create", "fl-probe-net6", "hash:net", "family", "inet6"])).ok;
  }

  /** The backend whose tables hold the host's rules; with none anywhere, the one plain `iptables` is. */
  async #chooseBackend(inNs: Try, caps: NodeCapabilities): Promise<IptablesBackend | ""> {
    const working: IptablesBackend[] = [];
    const hostRules = new Map<IptablesBackend, number>();
    for (const backend of ["nf_tables", "legacy"] as const) {
      const cmds = iptablesCommands(backend);
      if (!(await inNs([cmds.iptables, "-w", "5", "-S"])).ok) continue;
      const version = await inNs([cmds.iptables, "-V"]);
      if (!version.stdout.includes(backend === "nf_tables" ? "nf_tables" : "legacy")) continue; // a plain name of the other backend
      working.push(backend);
      const saved = await this.#try(this.#hostPid, [cmds.save]);
      hostRules.set(backend, saved.ok ? saved.stdout.split("\n").filter((l) => l.startsWith("-A ")).length : 0);
    }
    if (working.length === 0) {
      caps.notes.push("iptables: neither the nf_tables nor the legacy tools work");
      return "";
    }
    const withRules = working.filter((b) => (hostRules.get(b) ?? 0) > 0).sort((a, b) => hostRules.get(b)! - hostRules.get(a)!);
    if (withRules.length > 1) caps.notes.push(`iptables: the host has rules in both backends (${withRules.map((b) => `${b}: ${hostRules.get(b)}`).join(", ")}); using ${withRules[0]}`);
    if (withRules.length > 0) return withRules[0]!;
    const plain = await inNs(["iptables", "-V"]);
    const distroDefault = plain.stdout.includes("nf_tables") ? "nf_tables" : plain.stdout.includes("legacy") ? "legacy" : undefined;
    const chosen = distroDefault !== undefined && working.includes(distroDefault) ? distroDefault : working[0]!;
    caps.notes.push(`iptables: the host has no rules in either backend; using ${chosen}`);
    return chosen;
  }

  async #probeIptables(inNs: Try, caps: NodeCapabilities): Promise<void> {
    const backend = await this.#chooseBackend(inNs, caps);
    caps.iptablesBackend = backend;
    if (backend === "") return;
    const cmds = iptablesCommands(backend);
    const rules: Record<(typeof probedIptablesExtensions)[number], string[]> = {
      statistic: ["-A", "OUTPUT", "-m", "statistic", "--mode", "random", "--probability", "0.5", "-j", "ACCEPT"],
      set: ["-A", "OUTPUT", "-m", "set", "--match-set", "fl-probe-net", "dst", "-j", "ACCEPT"],
      CLASSIFY: ["-t", "mangle", "-A", "POSTROUTING", "-j", "CLASSIFY", "--set-class", "1:2"],
      multiport: ["-A", "OUTPUT", "-p", "tcp", "-m", "multiport", "--dports", "1,2", "-j", "ACCEPT"],
      // the nat table's REDIRECT and the owner match, what DNSChaos's interception is made of (HTTPChaos's: REDIRECT)
      REDIRECT: ["-t", "nat", "-A", "OUTPUT", "-p", "udp", "--dport", "53", "-j", "REDIRECT", "--to-ports", "15353"],
      owner: ["-t", "nat", "-A", "OUTPUT", "-m", "owner", "--uid-owner", "2000053", "-j", "RETURN"],
    };
    for (const e of probedIptablesExtensions) {
      if (e === "set" && !caps.ipset) continue;
      if ((await inNs([cmds.iptables, "-w", "5", ...rules[e]])).ok) caps.iptablesExtensions.push(e);
    }
    caps.ip6tables = (await inNs([cmds.ip6tables, "-w", "5", "-A", "OUTPUT", "-j", "ACCEPT"])).ok;
  }

  async #cgroupMode(caps: NodeCapabilities): Promise<string> {
    let mountinfo: string;
    try {
      mountinfo = await readFile(`/proc/${this.#hostPid}/mountinfo`, "utf8");
    } catch {
      mountinfo = await readFile("/proc/self/mountinfo", "utf8");
    }
    const fsAt = (point: string) => {
      for (const line of mountinfo.split("\n")) {
        const [left, right] = line.split(" - ");
        if (left?.split(" ")[4] === point) return right?.split(" ")[0];
      }
      return undefined;
    };
    const root = fsAt("/sys/fs/cgroup");
    if (root === "cgroup2") return "v2";
    if (root === undefined) {
      caps.notes.push("cgroup: nothing mounted at /sys/fs/cgroup");
      return "";
    }
    return fsAt("/sys/fs/cgroup/unified") === "cgroup2" ? "hybrid" : "v1";
  }
}

const probes = new WeakMap<NamespaceProcessRunner, NodeCapabilityProbe>();

/**
 * The one probe of a daemon, shared by everything that uses the same runner (the GetNodeCapabilities
 * handler, the metrics, the network kind's handlers), so the node is probed once per process.
 *
 * @example
 * const caps = await nodeCapabilityProbeFor(runner).get();
 */
export function nodeCapabilityProbeFor(runner: NamespaceProcessRunner, options: Omit<NodeCapabilityProbeOptions, "runner"> = {}): NodeCapabilityProbe {
  let probe = probes.get(runner);
  if (probe === undefined) {
    probe = new NodeCapabilityProbe({ ...options, runner });
    probes.set(runner, probe);
  }
  return probe;
}
