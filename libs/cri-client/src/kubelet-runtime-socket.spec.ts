import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  findKubeletRuntimeSockets,
  kubeletDefaultRuntimeEndpoint,
  kubeletNodeName,
  kubeletRuntimeEndpoint,
  pathUnderRoot,
  runtimeEndpointOfKubeletConfig,
} from "./kubelet-runtime-socket.js";

describe("kubeletRuntimeEndpoint", () => {
  const noConfig = () => undefined;

  it("takes --container-runtime-endpoint in either form, the last one winning", () => {
    expect(kubeletRuntimeEndpoint(["kubelet", "--container-runtime-endpoint=unix:///a.sock"], noConfig)).toBe("unix:///a.sock");
    expect(kubeletRuntimeEndpoint(["kubelet", "--container-runtime-endpoint", "unix:///b.sock"], noConfig)).toBe("unix:///b.sock");
    expect(
      kubeletRuntimeEndpoint(["kubelet", "--container-runtime-endpoint=unix:///a.sock", "--container-runtime-endpoint=unix:///c.sock"], noConfig),
    ).toBe("unix:///c.sock");
  });

  it("else reads containerRuntimeEndpoint from the --config file", () => {
    const files: { [path: string]: string } = {
      "/etc/kubelet.yaml": "kind: KubeletConfiguration\ncgroupDriver: cgroupfs\ncontainerRuntimeEndpoint: unix:///run/k3s/containerd/containerd.sock\n",
    };
    expect(kubeletRuntimeEndpoint(["kubelet", "--config", "/etc/kubelet.yaml"], (p) => files[p])).toBe("unix:///run/k3s/containerd/containerd.sock");
  });

  it("else is the kubelet's own default", () => {
    expect(kubeletRuntimeEndpoint(["kubelet", "--config=/missing.yaml"], noConfig)).toBe(kubeletDefaultRuntimeEndpoint);
    expect(kubeletRuntimeEndpoint(["kubelet"], noConfig)).toBe(kubeletDefaultRuntimeEndpoint);
  });

  it("reads the config's endpoint quoted or not, in YAML or JSON", () => {
    expect(runtimeEndpointOfKubeletConfig('containerRuntimeEndpoint: "unix:///x.sock"\n')).toBe("unix:///x.sock");
    expect(runtimeEndpointOfKubeletConfig("containerRuntimeEndpoint: 'unix:///y.sock' # the runtime\n")).toBe("unix:///y.sock");
    expect(runtimeEndpointOfKubeletConfig('{"kind":"KubeletConfiguration",\n "containerRuntimeEndpoint": "unix:///z.sock"}')).toBe("unix:///z.sock");
    expect(runtimeEndpointOfKubeletConfig("kind: KubeletConfiguration\n")).toBeUndefined();
  });

  it("gives the node name from --hostname-override", () => {
    expect(kubeletNodeName(["kubelet", "--hostname-override", "node-a"])).toBe("node-a");
    expect(kubeletNodeName(["kubelet"])).toBeUndefined();
  });
});

describe("pathUnderRoot", () => {
  it("joins a path under the root, and refuses one that climbs out of it", () => {
    expect(pathUnderRoot("/proc/7/root", "/run/containerd/containerd.sock")).toBe("/proc/7/root/run/containerd/containerd.sock");
    expect(pathUnderRoot("/proc/7/cwd", "config.yaml")).toBe("/proc/7/cwd/config.yaml");
    expect(pathUnderRoot("/proc/7/root", "/../../etc/shadow")).toBeUndefined();
    expect(pathUnderRoot("/proc/7/root", "/run/../../../var/run/docker.sock")).toBeUndefined();
    expect(pathUnderRoot("/proc/7/cwd", "../config.yaml")).toBeUndefined();
  });
});

describe("findKubeletRuntimeSockets over a /proc tree", () => {
  // The layout of /proc/<pid>/{comm,cmdline,exe,ns/mnt,root,cwd}; the real /proc is used by the daemon's test.
  const proc = mkdtempSync(join(tmpdir(), "faultline-proc-"));
  const hostRoot = mkdtempSync(join(tmpdir(), "faultline-host-"));
  afterAll(() => {
    rmSync(proc, { recursive: true, force: true });
    rmSync(hostRoot, { recursive: true, force: true });
  });
  const hostMnt = "mnt:[4026531841]";
  const processEntry = (pid: number, comm: string, argv: string[], { exe = "/usr/bin/kubelet", mnt = hostMnt, ppid = 1 } = {}) => {
    mkdirSync(join(proc, String(pid), "ns"), { recursive: true });
    writeFileSync(join(proc, String(pid), "comm"), `${comm}\n`);
    writeFileSync(join(proc, String(pid), "stat"), `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1\n`);
    writeFileSync(join(proc, String(pid), "cmdline"), `${argv.join("\0")}\0`);
    symlinkSync(exe, join(proc, String(pid), "exe"));
    symlinkSync(mnt, join(proc, String(pid), "ns", "mnt"));
    symlinkSync(hostRoot, join(proc, String(pid), "root"));
    symlinkSync(join(hostRoot, "var/lib/kubelet"), join(proc, String(pid), "cwd"));
  };
  mkdirSync(join(hostRoot, "var/lib/kubelet"), { recursive: true });
  writeFileSync(join(hostRoot, "var/lib/kubelet/config.yaml"), "containerRuntimeEndpoint: unix:///var/run/crio/crio.sock\n");
  processEntry(1, "init", ["/sbin/init"], { exe: "/sbin/init", ppid: 0 });
  processEntry(10, "containerd", ["containerd"], { exe: "/usr/bin/containerd" });
  processEntry(20, "kubelet", ["/usr/bin/kubelet", "--container-runtime-endpoint=unix:///srv/cluster/containerd.sock", "--hostname-override=node-a"]);
  processEntry(30, "kubelet", ["/usr/bin/kubelet", "--config", "config.yaml"]);
  processEntry(40, "kubelet", ["/usr/bin/kubelet", "--container-runtime-endpoint=tcp://10.0.0.1:1234"]);
  // what a process in a pod can pretend: the name, the argv, even an executable named kubelet
  processEntry(50, "kubelet", ["kubelet", "--container-runtime-endpoint=unix:///evil.sock"], { exe: "/usr/bin/python3" });
  // a pod: the runtime's shim (the node's mount namespace), the container's init and its child in their own
  processEntry(55, "containerd-shim", ["containerd-shim-runc-v2"], { exe: "/usr/bin/containerd-shim-runc-v2" });
  processEntry(60, "kubelet", ["kubelet", "--container-runtime-endpoint=unix:///evil.sock"], { mnt: "mnt:[4026532999]", ppid: 55 });
  processEntry(61, "kubelet", ["kubelet", "--container-runtime-endpoint=unix:///evil.sock"], { mnt: "mnt:[4026532999]", ppid: 60 });
  processEntry(70, "kubelet", ["/usr/bin/kubelet", "--container-runtime-endpoint=unix:///../../../run/docker.sock"]);
  processEntry(80, "kubelet", ["/usr/bin/kubelet", "--config", "/../../../etc/faultline/kubelet.yaml"]);
  mkdirSync(join(proc, "self")); // not a pid: skipped

  const found = (options = {}) => findKubeletRuntimeSockets({ procRoot: proc, ...options }).sort((a, b) => a.pid - b.pid);

  it("finds each kubelet's socket, reached through its own root, and skips what is not a unix socket", () => {
    expect(found().filter((k) => k.pid < 50)).toEqual([
      { pid: 20, nodeName: "node-a", endpoint: "unix:///srv/cluster/containerd.sock", runtime: "containerd", socketPath: join(proc, "20/root/srv/cluster/containerd.sock") },
      { pid: 30, endpoint: "unix:///var/run/crio/crio.sock", runtime: "crio", socketPath: join(proc, "30/root/var/run/crio/crio.sock") },
    ]);
  });

  it("asks only the node's kubelet: its executable is kubelet and it shares the mount namespace of its ancestors up to init", () => {
    expect(found().map((k) => k.pid)).not.toContain(50);
    expect(found().map((k) => k.pid)).not.toContain(60); // a container's init: its shim is in the node's namespace
    expect(found().map((k) => k.pid)).not.toContain(61); // a process under it
  });

  it("never follows a path with a '..' segment out of the kubelet's root", () => {
    expect(found().map((k) => k.pid)).not.toContain(70);
    // the config is not read through '..': the kubelet's default endpoint stands, under its own root
    expect(found().find((k) => k.pid === 80)?.socketPath).toBe(join(proc, "80/root/run/containerd/containerd.sock"));
  });

  it("with kubeletPath, asks only the process that runs that file", () => {
    expect(found({ kubeletPath: "/usr/local/bin/kubelet" })).toEqual([]);
    expect(found({ kubeletPath: "/usr/bin/kubelet" }).map((k) => k.pid)).toEqual([20, 30, 80]);
  });

  it("where pid 1's namespace cannot be read (even root cannot, on some machines), judges by the ancestors below it", () => {
    const bare = mkdtempSync(join(tmpdir(), "faultline-proc-bare-"));
    try {
      const entry = (pid: string, mnt: string | undefined, ppid: string, comm = "kubelet") => {
        mkdirSync(join(bare, pid), { recursive: true });
        writeFileSync(join(bare, pid, "comm"), `${comm}\n`);
        writeFileSync(join(bare, pid, "stat"), `${pid} (${comm}) S ${ppid} 1 1 0 -1\n`);
        writeFileSync(join(bare, pid, "cmdline"), "/usr/bin/kubelet\0--container-runtime-endpoint=unix:///run/k.sock\0");
        symlinkSync("/usr/bin/kubelet", join(bare, pid, "exe"));
        if (mnt !== undefined) {
          mkdirSync(join(bare, pid, "ns"));
          symlinkSync(mnt, join(bare, pid, "ns", "mnt"));
        }
        symlinkSync(hostRoot, join(bare, pid, "root"));
      };
      entry("1", undefined, "0", "init");
      entry("10", hostMnt, "1", "bash"); // the script that started the kubelet
      entry("20", hostMnt, "10");
      entry("25", hostMnt, "1", "containerd-shim");
      entry("30", "mnt:[4026532999]", "25");
      expect(findKubeletRuntimeSockets({ procRoot: bare }).map((k) => k.pid)).toEqual([20]);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it("finds nothing where there is no /proc", () => {
    expect(findKubeletRuntimeSockets({ procRoot: join(proc, "missing") })).toEqual([]);
  });
});
