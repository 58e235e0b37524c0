import { link, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HostNamespaces } from "./host-namespaces.js";

// A fake proc tree: each "namespace" a file, and a process in the same namespace a hard link to it
// (same dev and inode, which is all the check compares).
describe("HostNamespaces", () => {
  let root: string;
  const ns = (pid: number | string, kind = "net") => join(root, String(pid), "ns", kind);

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "host-ns-"));
    for (const pid of ["1", "self", "100", "200", "300"]) await mkdir(join(root, pid, "ns"), { recursive: true });
    await writeFile(ns(1), "host");
    await writeFile(ns("self"), "daemon");
    await link(ns(1), ns(100)); // a hostNetwork container
    await link(ns("self"), ns(200)); // in the daemon's own namespace
    await writeFile(ns(300), "pod"); // a pod of its own
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it("names the node's namespace for a target sharing pid 1's, the daemon's for one sharing the daemon's, nothing for a pod's own", async () => {
    const host = new HostNamespaces({ procRoot: root });
    expect(await host.sharedWith(100, "net")).toBe("the node's net namespace (that of pid 1)");
    expect(await host.sharedWith(200, "net")).toBe("the daemon's own net namespace");
    expect(await host.sharedWith(300, "net")).toBeUndefined();
  });

  it("keeps the daemon's own namespace as the reference when pid 1's cannot be read, and rejects for a gone target", async () => {
    await rm(ns(1));
    const host = new HostNamespaces({ procRoot: root });
    expect(await host.sharedWith(100, "net")).toBeUndefined(); // the file is still there, but pid 1's is not
    expect(await host.sharedWith(200, "net")).toBe("the daemon's own net namespace");
    await expect(host.sharedWith(999, "net")).rejects.toThrow(/ENOENT/);
  });

  it("compares the namespace kind asked for only", async () => {
    await writeFile(ns(1, "pid"), "host pid");
    await writeFile(ns(100, "pid"), "own pid");
    await writeFile(ns("self", "pid"), "daemon pid");
    expect(await new HostNamespaces({ procRoot: root }).sharedWith(100, "pid")).toBeUndefined();
  });
});
