import { appendFileSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ownedNatChainIn, ownedNatChainInstallScript, ownedNatChainRemoveScript } from "./owned-nat-chain.js";
import { capLog, podCgroupOf, podProcessArgv, readyLines } from "./pod-process.js";

describe("podProcessArgv", () => {
  it("enters only the pod's network namespace, drops root, every capability and new privileges, then runs node on the main script with its arguments", () => {
    const command = { nsenter: "nsenter", setpriv: "setpriv", node: "/usr/bin/node", main: "/app/main.js", uid: 7, gid: 8 };
    expect(podProcessArgv(command, "/proc/1/ns/net", ["--config", "config.json"])).toEqual(
      ["nsenter", "--net=/proc/1/ns/net", "--", "setpriv", "--reuid", "7", "--regid", "8", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "/usr/bin/node", "/app/main.js", "--config", "config.json"],
    );
  });
});

describe("readyLines", () => {
  it("parses every ready:true line, in order, skipping others and a torn last line", () => {
    expect(readyLines('{"level":"info"}\n{"ready":true,"ports":[15080]}\n{"ready":false}\n{"ready":true,"ports":[15080,15081]}\n{"ready":true,"por')).toEqual([
      { ready: true, ports: [15080] },
      { ready: true, ports: [15080, 15081] },
    ]);
  });
});

describe("ownedNatChain", () => {
  const want = { chain: "FAULTLINE-X", hookChain: "PREROUTING", hooks: ["-p tcp"], rules: ["-p tcp --dport 80 -j REDIRECT --to-ports 15080"] };
  it("adds a missing hook, keeps one that is there, and removes hooks before the chain", () => {
    const none = ownedNatChainIn("*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n", "FAULTLINE-X", "PREROUTING");
    expect(ownedNatChainInstallScript(want, none)).toBe(
      '*nat\n:FAULTLINE-X - [0:0]\n-A FAULTLINE-X -m comment --comment "faultline:owned"\n-A FAULTLINE-X -p tcp --dport 80 -j REDIRECT --to-ports 15080\n-I PREROUTING 1 -p tcp -j FAULTLINE-X\nCOMMIT\n',
    );
    const hooked = ownedNatChainIn('*nat\n:FAULTLINE-X - [0:0]\n-A PREROUTING -p tcp -j FAULTLINE-X\n-A FAULTLINE-X -m comment --comment "faultline:owned"\nCOMMIT\n', "FAULTLINE-X", "PREROUTING");
    expect(hooked).toEqual({ owned: true, foreign: false, rules: [], hooks: ["-p tcp -j FAULTLINE-X"] });
    expect(ownedNatChainInstallScript(want, hooked)).not.toContain("-I PREROUTING");
    expect(ownedNatChainRemoveScript("FAULTLINE-X", "PREROUTING", hooked)).toBe("*nat\n-D PREROUTING -p tcp -j FAULTLINE-X\n-F FAULTLINE-X\n-X FAULTLINE-X\nCOMMIT\n");
  });
});

describe("podCgroupOf", () => {
  it("is the parent of the container's cgroup in every v1 hierarchy where it has one", async () => {
    const root = mkdtempSync(join(tmpdir(), "faultline-dns-cg-"));
    const proc = join(root, "proc");
    const cgroup = join(root, "cgroup");
    mkdirSync(join(proc, "77"), { recursive: true });
    writeFileSync(join(proc, "77", "cgroup"), "5:memory:/kubepods/besteffort/podabc/ctr1\n4:cpu,cpuacct:/kubepods/besteffort/podabc/ctr1\n3:freezer:/\n0::/\n");
    // the daemon's own mountinfo lists the hierarchies: point it at fake mounts under `cgroup`
    const self = join(proc, "self");
    mkdirSync(self, { recursive: true });
    writeFileSync(
      join(self, "mountinfo"),
      [
        `30 25 0:26 / ${cgroup}/memory rw - cgroup cgroup rw,memory`,
        `31 25 0:27 / ${cgroup}/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct`,
        `32 25 0:28 / ${cgroup}/freezer rw - cgroup cgroup rw,freezer`,
        "",
      ].join("\n"),
    );
    const target = await podCgroupOf(77, { procRoot: proc, cgroupRoot: cgroup }, "faultline-x");
    expect(target).toEqual({ mode: "v1", procsFiles: [join(cgroup, "memory/kubepods/besteffort/podabc/cgroup.procs"), join(cgroup, "cpu,cpuacct/kubepods/besteffort/podabc/cgroup.procs")] });
    rmSync(root, { recursive: true, force: true });
  });
});

describe("capLog", () => {
  it("empties a log past the cap, and an appending writer goes on at its new end", () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-pod-log-"));
    const log = join(dir, "interceptor.log");
    expect(capLog(log, 10)).toBe(false); // none yet
    const fd = openSync(log, "a");
    appendFileSync(fd, "x".repeat(11));
    expect(capLog(log, 20)).toBe(false);
    expect(capLog(log, 10)).toBe(true);
    appendFileSync(fd, "next\n");
    closeSync(fd);
    expect(statSync(log).size).toBe(5);
    rmSync(dir, { recursive: true, force: true });
  });
});
