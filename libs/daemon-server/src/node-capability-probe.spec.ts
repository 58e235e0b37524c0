import { create } from "@bufbuild/protobuf";
import { NodeCapabilitiesSchema } from "@faultline/api";
import { mkdtempSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { iptablesCommands } from "./iptables-commands.js";
import { ioFuseVerdict, iofsRootCheckFound, iofsRootRefusal, ioFuseCapabilitiesFound, nodeCapabilityFlags, timeSkewProbeReason, timeSkewVerdict } from "./node-capability-probe.js";

describe("nodeCapabilityFlags", () => {
  it("names every capability, present or not, as /metrics and the manager's refusals do", () => {
    const caps = create(NodeCapabilitiesSchema, { qdiscs: ["htb", "tbf"], classifiers: ["u32"], ipset: true, iptablesBackend: "nf_tables", iptablesExtensions: ["set"], cgroupMode: "hybrid", stressNg: true });
    const flags = nodeCapabilityFlags(caps);
    expect(flags.get("qdisc/htb")).toBe(true);
    expect(flags.get("qdisc/netem")).toBe(false);
    expect(flags.get("classifier/bpf")).toBe(false);
    expect(flags.get("iptables")).toBe(true);
    expect(flags.get("iptables-backend/nf_tables")).toBe(true);
    expect(flags.get("iptables-backend/legacy")).toBe(false);
    expect(flags.get("iptables/set")).toBe(true);
    expect(flags.get("cgroup/hybrid")).toBe(true);
    expect(flags.get("ip6tables")).toBe(false);
    expect(flags.get("dns/interception")).toBe(false);
    expect(flags.get("http/interception")).toBe(false);
    expect(flags.get("time/vdso-skew")).toBe(false);
    expect(nodeCapabilityFlags(create(NodeCapabilitiesSchema, { timeVdsoSkew: true })).get("time/vdso-skew")).toBe(true);
    expect(flags.get("io/fuse")).toBe(false);
    expect(nodeCapabilityFlags(create(NodeCapabilitiesSchema, { ioFuse: true })).get("io/fuse")).toBe(true);
    expect([...flags.keys()]).toHaveLength(7 + 2 + 4 + 6 + 2 + 3 + 1 + 1 + 1 + 1 + 1);
  });

  it("dns/interception needs iptables with REDIRECT and the owner match, all three", () => {
    const flag = (fields: { iptablesBackend: string; iptablesExtensions: string[] }) => nodeCapabilityFlags(create(NodeCapabilitiesSchema, fields)).get("dns/interception");
    expect(flag({ iptablesBackend: "legacy", iptablesExtensions: ["REDIRECT", "owner"] })).toBe(true);
    expect(flag({ iptablesBackend: "legacy", iptablesExtensions: ["REDIRECT"] })).toBe(false);
    expect(flag({ iptablesBackend: "legacy", iptablesExtensions: ["owner"] })).toBe(false);
    expect(flag({ iptablesBackend: "", iptablesExtensions: ["REDIRECT", "owner"] })).toBe(false);
  });

  it("http/interception needs iptables with REDIRECT (no owner match: the proxy's connections are local, PREROUTING never sees them)", () => {
    const flag = (fields: { iptablesBackend: string; iptablesExtensions: string[] }) => nodeCapabilityFlags(create(NodeCapabilitiesSchema, fields)).get("http/interception");
    expect(flag({ iptablesBackend: "nf_tables", iptablesExtensions: ["REDIRECT"] })).toBe(true);
    expect(flag({ iptablesBackend: "nf_tables", iptablesExtensions: ["owner"] })).toBe(false);
    expect(flag({ iptablesBackend: "", iptablesExtensions: ["REDIRECT"] })).toBe(false);
  });
});

describe("io/fuse", () => {
  const ok = { ok: true } as const;
  it("needs x86_64, Yama below scope 3, /dev/fuse, the FUSE helper answering and the swap helper, and says which failed", () => {
    expect(ioFuseVerdict({ arch: "x64", yamaScope: 1, devFuse: ok, iofs: ok, fdSwap: ok })).toEqual({ capable: true });
    expect(ioFuseVerdict({ arch: "x64", yamaScope: undefined, devFuse: ok, iofs: ok, fdSwap: ok })).toEqual({ capable: true });
    expect(ioFuseVerdict({ arch: "arm64", yamaScope: 1, devFuse: ok, iofs: ok, fdSwap: ok })).toEqual({ capable: false, reason: expect.stringMatching(/^architecture arm64: .*x86_64 only/) });
    expect(ioFuseVerdict({ arch: "x64", yamaScope: 3, devFuse: ok, iofs: ok, fdSwap: ok })).toEqual({ capable: false, reason: expect.stringMatching(/ptrace_scope is 3/) });
    expect(ioFuseVerdict({ arch: "x64", yamaScope: 1, devFuse: { ok: false, reason: "ENOENT" }, iofs: ok, fdSwap: ok })).toEqual({ capable: false, reason: "/dev/fuse cannot be opened: ENOENT" });
    expect(ioFuseVerdict({ arch: "x64", yamaScope: 1, devFuse: ok, iofs: { ok: false, reason: "iofs gone" }, fdSwap: ok })).toEqual({ capable: false, reason: "iofs gone" });
    expect(ioFuseVerdict({ arch: "x64", yamaScope: 1, devFuse: ok, iofs: ok, fdSwap: { ok: false, reason: "swap gone" } })).toEqual({ capable: false, reason: "swap gone" });
    expect(ioFuseVerdict({ arch: "x64", yamaScope: 1, devFuse: ok, iofs: ok, fdSwap: ok, capabilities: { ok: false, reason: "caps gone" } })).toEqual({ capable: false, reason: "caps gone" });
  });

  it("takes only the refusal of / found inside the mount namespace as proof that the FUSE helper enters one", () => {
    expect(iofsRootCheckFound(`{"ok":false,"reason":"${iofsRootRefusal}"}\n`, "", undefined, "/h")).toEqual({ ok: true });
    // any other JSON answer: it did not get as far as resolving / in a mount namespace
    expect(iofsRootCheckFound('{"ok":false,"reason":"setns(mnt): Operation not permitted"}\n', "", "exit 1", "/h")).toEqual({ ok: false, reason: expect.stringMatching(/^the FUSE server helper \/h cannot enter a mount namespace: .*setns\(mnt\)/) });
    expect(iofsRootCheckFound('{"ok":true}\n', "", undefined, "/h")).toEqual({ ok: false, reason: expect.stringMatching(/cannot enter a mount namespace/) });
    expect(iofsRootCheckFound("", "exec format error\n", "spawn failed", "/h")).toEqual({ ok: false, reason: "the FUSE server helper /h does not run: exec format error" });
    expect(iofsRootCheckFound("", "", "spawn ENOENT", "/h")).toEqual({ ok: false, reason: "the FUSE server helper /h does not run: spawn ENOENT" });
  });

  it("needs CAP_SYS_ADMIN and CAP_SYS_PTRACE in CapEff, and names what is missing", () => {
    const status = (eff: string) => `Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t${eff}\nCapBnd:\t000001ffffffffff\n`;
    expect(ioFuseCapabilitiesFound(status("000001ffffffffff"))).toEqual({ ok: true });
    expect(ioFuseCapabilitiesFound(status((0x1ffffffffffn & ~(1n << 21n)).toString(16).padStart(16, "0")))).toEqual({ ok: false, reason: expect.stringMatching(/^the daemon lacks CAP_SYS_ADMIN \(CapEff/) });
    expect(ioFuseCapabilitiesFound(status("00000000a80425fb"))).toEqual({ ok: false, reason: expect.stringMatching(/^the daemon lacks CAP_SYS_ADMIN and CAP_SYS_PTRACE/) });
    expect(ioFuseCapabilitiesFound("Name:\tx\n")).toEqual({ ok: false, reason: expect.stringMatching(/CapEff/) });
  });
});

describe("time/vdso-skew", () => {
  it("needs x86_64, Yama below scope 3 and the helper's probe, and says which failed", () => {
    expect(timeSkewVerdict({ arch: "x64", yamaScope: 1, helper: { ok: true } })).toEqual({ capable: true });
    expect(timeSkewVerdict({ arch: "x64", yamaScope: undefined, helper: { ok: true } })).toEqual({ capable: true });
    expect(timeSkewVerdict({ arch: "arm64", yamaScope: 1, helper: { ok: true } })).toEqual({ capable: false, reason: expect.stringMatching(/architecture arm64: .*x86_64 code only/) });
    expect(timeSkewVerdict({ arch: "x64", yamaScope: 3, helper: { ok: true } })).toEqual({ capable: false, reason: expect.stringMatching(/ptrace_scope is 3/) });
    expect(timeSkewVerdict({ arch: "x64", yamaScope: 2, helper: { ok: false, reason: "no [vdso]" } })).toEqual({ capable: false, reason: "no [vdso]" });
  });

  it("takes the helper's refusal from its JSON line, else its stderr, else how it failed", () => {
    expect(timeSkewProbeReason('{"pid":7,"state":"error","error":"ptrace: Operation not permitted"}\n', "", "exit 1")).toBe("the time-skew helper's probe refused: ptrace: Operation not permitted");
    expect(timeSkewProbeReason("", "usage: faultline-time-skew\nmore", "exit 2")).toBe("the time-skew helper's probe failed: usage: faultline-time-skew");
    expect(timeSkewProbeReason("", "", "spawn faultline-time-skew ENOENT")).toBe("the time-skew helper's probe failed: spawn faultline-time-skew ENOENT");
  });
});

describe("iptablesCommands", () => {
  it("prefers the backend's suffixed programs, else the plain ones", () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-path-"));
    for (const p of ["iptables-nft", "iptables-nft-restore", "iptables-nft-save"]) {
      writeFileSync(join(dir, p), "#!/bin/sh\n");
      chmodSync(join(dir, p), 0o755);
    }
    expect(iptablesCommands("nf_tables", dir)).toEqual({ backend: "nf_tables", iptables: "iptables-nft", save: "iptables-nft-save", restore: "iptables-nft-restore", ip6tables: "ip6tables", ip6save: "ip6tables-save", ip6restore: "ip6tables-restore" });
    expect(iptablesCommands("legacy", dir).restore).toBe("iptables-restore");
  });
});
