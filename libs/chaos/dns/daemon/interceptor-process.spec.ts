import { appendFileSync, mkdirSync, mkdtempSync, openSync, closeSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { capInterceptorLog, defaultInterceptorPort, defaultInterceptorUid, interceptorArgv, podCgroupOf, readyPort } from "./interceptor-process.js";

describe("interceptorArgv", () => {
  it("enters only the pod's network namespace, drops root, every capability and new privileges, and runs the resolver on its port", () => {
    const command = { nsenter: "nsenter", setpriv: "setpriv", node: "/usr/bin/node", main: "/app/dns-interceptor-main.js", uid: defaultInterceptorUid, gid: defaultInterceptorUid };
    expect(interceptorArgv(command, "/proc/4242/ns/net", defaultInterceptorPort)).toEqual([
      "nsenter",
      "--net=/proc/4242/ns/net",
      "--",
      "setpriv",
      "--reuid",
      "2000053",
      "--regid",
      "2000053",
      "--clear-groups",
      "--inh-caps=-all",
      "--bounding-set=-all",
      "--no-new-privs",
      "/usr/bin/node",
      "/app/dns-interceptor-main.js",
      "--config",
      "config.json",
      "--host",
      "127.0.0.1",
      "--port",
      "15353",
    ]);
  });
});

describe("readyPort", () => {
  it("finds the ready line among others, and nothing before it", () => {
    expect(readyPort('{"level":"info","message":"loading"}\n{"ready":true,"port":15353}\n')).toBe(15353);
    expect(readyPort('{"level":"info"}\n{"ready":false,"port":15353}\n{"ready":true,"port":')).toBeUndefined();
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
    const target = await podCgroupOf(77, { procRoot: proc, cgroupRoot: cgroup });
    expect(target).toEqual({ mode: "v1", procsFiles: [join(cgroup, "memory/kubepods/besteffort/podabc/cgroup.procs"), join(cgroup, "cpu,cpuacct/kubepods/besteffort/podabc/cgroup.procs")] });
    rmSync(root, { recursive: true, force: true });
  });
});

describe("capInterceptorLog", () => {
  it("empties a log past the cap, and an appending writer goes on at its new end", () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-dns-log-"));
    const log = join(dir, "interceptor.log");
    expect(capInterceptorLog(dir, 10)).toBe(false); // none yet
    const fd = openSync(log, "a");
    appendFileSync(fd, "x".repeat(11));
    expect(capInterceptorLog(dir, 20)).toBe(false);
    expect(capInterceptorLog(dir, 10)).toBe(true);
    appendFileSync(fd, "next\n");
    closeSync(fd);
    expect(statSync(log).size).toBe(5);
    rmSync(dir, { recursive: true, force: true });
  });
});
