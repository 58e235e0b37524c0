import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { Registry } from "prom-client";
import { NamespaceProcessRunner } from "./namespace-process-runner.js";
import { NodeCapabilityProbe, nodeCapabilityFlags, nodeCapabilityProbeFor } from "./node-capability-probe.js";
import { registerNodeCapabilityMetrics } from "./node-capability-handlers.js";

// The probe, for real on this node, checked against what the kernel was built with
// (/proc/config.gz) and what the host's own tables hold — sources the probe does not read.
const config = existsSync("/proc/config.gz") ? gunzipSync(readFileSync("/proc/config.gz")).toString("utf8") : "";
const kernelHas = (option: string): boolean | undefined => {
  const m = new RegExp(`^${option}=(y|m)$`, "m").exec(config);
  if (m) return m[1] === "y" ? true : undefined; // a module may or may not be loadable: no claim
  return config.includes(`# ${option} is not set`) ? false : undefined;
};
const hostRules = (save: string) => {
  try {
    return execFileSync(save, { encoding: "utf8" }).split("\n").filter((l) => l.startsWith("-A ")).length;
  } catch {
    return 0;
  }
};

describe("NodeCapabilityProbe on this node", () => {
  const runner = new NamespaceProcessRunner();
  const probe = new NodeCapabilityProbe({ runner, nodeName: "probe-test" });
  const hostQdiscsBefore = execFileSync("tc", ["-j", "qdisc", "show", "dev", "lo"], { encoding: "utf8" });

  it("finds each qdisc and classifier exactly when the kernel was built with it", async () => {
    const caps = await probe.get();
    expect(caps.nodeName).toBe("probe-test");
    const qdiscOptions: Record<string, string> = { netem: "CONFIG_NET_SCH_NETEM", prio: "CONFIG_NET_SCH_PRIO", sfq: "CONFIG_NET_SCH_SFQ", htb: "CONFIG_NET_SCH_HTB", tbf: "CONFIG_NET_SCH_TBF", ingress: "CONFIG_NET_SCH_INGRESS", clsact: "CONFIG_NET_SCH_INGRESS" };
    let compared = 0;
    for (const [qdisc, option] of Object.entries(qdiscOptions)) {
      const built = kernelHas(option);
      if (built === undefined) continue;
      compared++;
      expect({ qdisc, present: caps.qdiscs.includes(qdisc) }).toEqual({ qdisc, present: built });
    }
    for (const [cls, option] of Object.entries({ u32: "CONFIG_NET_CLS_U32", bpf: "CONFIG_NET_CLS_BPF" })) {
      const built = kernelHas(option);
      if (built === undefined) continue;
      compared++;
      expect({ cls, present: caps.classifiers.includes(cls) }).toEqual({ cls, present: built });
    }
    expect(compared).toBeGreaterThan(0); // a kernel without /proc/config.gz would make this test say nothing
  }, 60_000);

  it("picks the iptables backend holding the host's rules, and finds the extensions the kernel has", async () => {
    const caps = await probe.get();
    const nft = hostRules("iptables-nft-save");
    const legacy = hostRules("iptables-legacy-save");
    if (nft !== legacy) expect(caps.iptablesBackend).toBe(nft > legacy ? "nf_tables" : "legacy");
    else expect(["nf_tables", "legacy"]).toContain(caps.iptablesBackend);
    for (const [ext, option] of Object.entries({ statistic: "CONFIG_NETFILTER_XT_MATCH_STATISTIC", set: "CONFIG_NETFILTER_XT_SET", CLASSIFY: "CONFIG_NETFILTER_XT_TARGET_CLASSIFY", multiport: "CONFIG_NETFILTER_XT_MATCH_MULTIPORT", REDIRECT: "CONFIG_NETFILTER_XT_TARGET_REDIRECT", owner: "CONFIG_NETFILTER_XT_MATCH_OWNER" })) {
      const built = kernelHas(option);
      if (built !== undefined) expect({ ext, present: caps.iptablesExtensions.includes(ext) }).toEqual({ ext, present: built });
    }
    if (kernelHas("CONFIG_IP_SET") !== undefined) expect(caps.ipset).toBe(kernelHas("CONFIG_IP_SET"));
    expect(caps.stressNg).toBe(existsSync("/usr/bin/stress-ng"));
  }, 60_000);

  it("tells the cgroup layout from what is mounted", async () => {
    const caps = await probe.get();
    const CGROUP2_SUPER_MAGIC = 0x63677270;
    const root = statfsSync("/sys/fs/cgroup").type === CGROUP2_SUPER_MAGIC;
    const unified = existsSync("/sys/fs/cgroup/unified") && statfsSync("/sys/fs/cgroup/unified").type === CGROUP2_SUPER_MAGIC;
    expect(caps.cgroupMode).toBe(root ? "v2" : unified ? "hybrid" : "v1");
  });

  it("leaves the node's own namespace untouched and probes once per runner", async () => {
    await probe.get();
    expect(execFileSync("tc", ["-j", "qdisc", "show", "dev", "lo"], { encoding: "utf8" })).toBe(hostQdiscsBefore);
    expect(execFileSync("ipset", ["list", "-n"], { encoding: "utf8" })).not.toMatch(/fl-probe/);
    expect(nodeCapabilityProbeFor(runner)).toBe(nodeCapabilityProbeFor(runner));
  });

  it("exports every capability on /metrics as 0 or 1", async () => {
    const registry = new Registry();
    registerNodeCapabilityMetrics(registry, probe);
    const text = await registry.metrics();
    const caps = await probe.get();
    for (const [capability, present] of nodeCapabilityFlags(caps)) {
      expect(text).toContain(`faultline_daemon_node_capability{capability="${capability}"} ${present ? 1 : 0}`);
    }
    expect(text).toContain('capability="qdisc/netem"');
  });

  it("time/vdso-skew: runs the named helper's probe on the daemon's own pid; its refusal is the note", async () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-fake-skew-"));
    const helper = (name: string, body: string) => {
      const file = join(dir, name);
      writeFileSync(file, `#!/bin/sh\necho "$@" > ${file}.argv\n${body}\n`);
      chmodSync(file, 0o755);
      return file;
    };
    const yama = existsSync("/proc/sys/kernel/yama/ptrace_scope") ? Number(readFileSync("/proc/sys/kernel/yama/ptrace_scope", "utf8").trim()) : undefined;
    const able = process.arch === "x64" && yama !== 3;
    const ok = helper("ok", `echo '{"pid":'$2',"ok":true}'`);
    const refusing = helper("refusing", `echo '{"pid":'$2',"ok":false,"reason":"no room in the vDSO"}'; exit 1`);
    const yes = await new NodeCapabilityProbe({ runner, nodeName: "probe-test", timeSkewHelper: ok }).get();
    const no = await new NodeCapabilityProbe({ runner, nodeName: "probe-test", timeSkewHelper: refusing }).get();
    const missing = await new NodeCapabilityProbe({ runner, nodeName: "probe-test", timeSkewHelper: join(dir, "absent") }).get();
    expect(yes.timeVdsoSkew).toBe(able);
    if (!able) return;
    expect(readFileSync(`${ok}.argv`, "utf8").trim()).toBe(`probe ${process.pid}`);
    expect(yes.notes.filter((n) => n.startsWith("time/vdso-skew"))).toEqual([]);
    expect([no.timeVdsoSkew, no.notes.filter((n) => n.startsWith("time/vdso-skew"))]).toEqual([false, ["time/vdso-skew: the time-skew helper's probe refused: no room in the vDSO"]]);
    expect(missing.timeVdsoSkew).toBe(false);
    expect(missing.notes).toContainEqual(expect.stringMatching(/^time\/vdso-skew: the time-skew helper's probe failed: .*ENOENT/));
    expect(nodeCapabilityFlags(no).get("time/vdso-skew")).toBe(false);
  }, 120_000);

  it("io/fuse: opens the FUSE device, has the FUSE helper check the daemon's own root and finds the swap helper; what is missing is the note", async () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-fake-iofs-"));
    const helper = (name: string, body: string) => {
      const file = join(dir, name);
      writeFileSync(file, `#!/bin/sh\necho "$@" > ${file}.argv\n${body}\n`);
      chmodSync(file, 0o755);
      return file;
    };
    const yama = existsSync("/proc/sys/kernel/yama/ptrace_scope") ? Number(readFileSync("/proc/sys/kernel/yama/ptrace_scope", "utf8").trim()) : undefined;
    // a device this process can open read-write stands for /dev/fuse (the spec must not need FUSE)
    const device = helper("device", "");
    // the refusal the real helper gives once it has entered the mount namespace and resolved / there
    const iofs = helper("iofs", `cat <<'J'\n{"ok":false,"reason":"volume / is the container's root /"}\nJ\nexit 1`);
    const noSetns = helper("no-setns", `echo '{"ok":false,"reason":"setns(mnt): Operation not permitted"}'; exit 1`);
    const silent = helper("silent", "exit 1");
    const swap = helper("swap", "");
    const probeWith = (o: { iofsHelper?: string; fdSwapHelper?: string; fuseDevice?: string }) =>
      new NodeCapabilityProbe({ runner, nodeName: "probe-test", iofsHelper: iofs, fdSwapHelper: swap, fuseDevice: device, ...o }).get();
    const notes = (caps: { notes: string[] }) => caps.notes.filter((n) => n.startsWith("io/fuse"));
    const yes = await probeWith({});
    const able = process.arch === "x64" && yama !== 3;
    expect(yes.ioFuse).toBe(able);
    if (!able) return;
    expect(readFileSync(`${iofs}.argv`, "utf8").trim()).toBe(`check --pid ${process.pid} --volume /`);
    expect(notes(yes)).toEqual([]);
    expect(nodeCapabilityFlags(yes).get("io/fuse")).toBe(true);
    const noDevice = await probeWith({ fuseDevice: join(dir, "no-fuse") });
    expect([noDevice.ioFuse, notes(noDevice)]).toEqual([false, ["io/fuse: /dev/fuse cannot be opened: ENOENT"]]);
    const mute = await probeWith({ iofsHelper: silent });
    expect([mute.ioFuse, notes(mute)]).toEqual([false, [expect.stringMatching(/^io\/fuse: the FUSE server helper .*silent does not run/)]]);
    const outside = await probeWith({ iofsHelper: noSetns });
    expect([outside.ioFuse, notes(outside)]).toEqual([false, [expect.stringMatching(/^io\/fuse: the FUSE server helper .*no-setns cannot enter a mount namespace: .*setns\(mnt\)/)]]);
    const noSwap = await probeWith({ fdSwapHelper: join(dir, "absent") });
    expect([noSwap.ioFuse, notes(noSwap)]).toEqual([false, [expect.stringMatching(/^io\/fuse: the descriptor swap helper .*absent is not executable: ENOENT/)]]);
  }, 120_000);
});
