import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  findKubeletRuntimeSockets,
  kubeletDefaultRuntimeEndpoint,
  kubeletNodeName,
  kubeletRuntimeEndpoint,
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

describe("findKubeletRuntimeSockets over a /proc tree", () => {
  // The layout of /proc/<pid>/{comm,cmdline,root,cwd}; the real /proc is used by the daemon's test.
  const proc = mkdtempSync(join(tmpdir(), "faultline-proc-"));
  const hostRoot = mkdtempSync(join(tmpdir(), "faultline-host-"));
  afterAll(() => {
    rmSync(proc, { recursive: true, force: true });
    rmSync(hostRoot, { recursive: true, force: true });
  });
  const processEntry = (pid: number, comm: string, argv: string[]) => {
    mkdirSync(join(proc, String(pid)));
    writeFileSync(join(proc, String(pid), "comm"), `${comm}\n`);
    writeFileSync(join(proc, String(pid), "cmdline"), `${argv.join("\0")}\0`);
    symlinkSync(hostRoot, join(proc, String(pid), "root"));
    symlinkSync(join(hostRoot, "var/lib/kubelet"), join(proc, String(pid), "cwd"));
  };
  mkdirSync(join(hostRoot, "var/lib/kubelet"), { recursive: true });
  writeFileSync(join(hostRoot, "var/lib/kubelet/config.yaml"), "containerRuntimeEndpoint: unix:///var/run/crio/crio.sock\n");
  processEntry(10, "containerd", ["containerd"]);
  processEntry(20, "kubelet", ["/usr/bin/kubelet", "--container-runtime-endpoint=unix:///srv/cluster/containerd.sock", "--hostname-override=node-a"]);
  processEntry(30, "kubelet", ["/usr/bin/kubelet", "--config", "config.yaml"]);
  processEntry(40, "kubelet", ["/usr/bin/kubelet", "--container-runtime-endpoint=tcp://10.0.0.1:1234"]);
  mkdirSync(join(proc, "self"));

  it("finds each kubelet's socket, reached through its own root, and skips what is not a unix socket", () => {
    expect(findKubeletRuntimeSockets({ procRoot: proc }).sort((a, b) => a.pid - b.pid)).toEqual([
      { pid: 20, nodeName: "node-a", endpoint: "unix:///srv/cluster/containerd.sock", runtime: "containerd", socketPath: join(proc, "20/root/srv/cluster/containerd.sock") },
      { pid: 30, endpoint: "unix:///var/run/crio/crio.sock", runtime: "crio", socketPath: join(proc, "30/root/var/run/crio/crio.sock") },
    ]);
  });

  it("finds nothing where there is no /proc", () => {
    expect(findKubeletRuntimeSockets({ procRoot: join(proc, "missing") })).toEqual([]);
  });
});
