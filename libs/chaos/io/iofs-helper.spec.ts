import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  IofsHelperError,
  createIofsHelper,
  defaultIofsBinary,
  iofsArgv,
  iofsConfigText,
  iofsKey,
  isIofsServerCmdline,
  parseIofsCheckOutput,
  parseIofsServeOutput,
  parseIofsUnmountOutput,
  writeIofsConfig,
  type IofsAction,
} from "./iofs-helper.js";

const key = "0123456789abcdef0123456789abcdef";

describe("iofsConfigText", () => {
  it("writes one TAB-separated line per action, every kind's own fields", () => {
    const actions: IofsAction[] = [
      { kind: "latency", path: "/data/*.log", methods: ["read", "write"], percent: 50, delayNs: 100_000_000 },
      { kind: "fault", percent: 100, errno: 5 },
      { kind: "attrOverride", path: "/data/f", percent: 100, attr: { perm: 0o600, size: 7, kind: "symlink", atimeSec: -1, uid: 1000 } },
      { kind: "mistake", methods: ["read"], percent: 10, filling: "random", maxOccurrences: 2, maxLength: 4 },
    ];
    expect(iofsConfigText(actions)).toBe(
      "kind=latency\tpath=/data/*.log\tmethods=read,write\tpercent=50\tdelay_ns=100000000\n" +
        "kind=fault\tpath=\tmethods=\tpercent=100\terrno=5\n" +
        "kind=attrOverride\tpath=/data/f\tmethods=\tpercent=100\tattr_size=7\tattr_atime_sec=-1\tattr_perm=384\tattr_uid=1000\tattr_kind=symlink\n" +
        "kind=mistake\tpath=\tmethods=read\tpercent=10\tfilling=random\tmax_occurrences=2\tmax_length=4\n",
    );
    expect(iofsConfigText([])).toBe("");
  });

  it("refuses each bad field by name", () => {
    const refused = (action: unknown, message: string) => {
      expect(() => iofsConfigText([action as IofsAction])).toThrow(IofsHelperError);
      expect(() => iofsConfigText([action as IofsAction])).toThrow(message);
    };
    refused({ kind: "fault", percent: 101, errno: 5 }, "actions[0].percent: want an integer in 0..100, got 101");
    refused({ kind: "fault", percent: 1.5, errno: 5 }, "actions[0].percent");
    refused({ kind: "fault", percent: 100, errno: 0 }, "actions[0].errno: want an integer in 1..4095, got 0");
    refused({ kind: "latency", percent: 100, delayNs: -1 }, "actions[0].delayNs");
    refused({ kind: "latency", percent: 100 }, "actions[0].delayNs");
    refused({ kind: "fault", percent: 100, errno: 5, path: "data/*" }, "actions[0].path: want an absolute glob");
    refused({ kind: "fault", percent: 100, errno: 5, path: "/a\tb" }, "actions[0].path");
    refused({ kind: "fault", percent: 100, errno: 5, methods: ["read", "chmod"] }, "actions[0].methods[1]: want one of lookup");
    refused({ kind: "attrOverride", percent: 100, attr: {} }, "actions[0].attr: at least one field");
    refused({ kind: "attrOverride", percent: 100, attr: { perm: 0o10000 } }, "actions[0].attr.perm: want an integer in 0..4095");
    refused({ kind: "attrOverride", percent: 100, attr: { atimeNsec: 1e9 } }, "actions[0].attr.atimeNsec");
    refused({ kind: "attrOverride", percent: 100, attr: { kind: "file" } }, "actions[0].attr.kind: want one of namedPipe");
    refused({ kind: "mistake", percent: 100, filling: "ones", maxOccurrences: 1, maxLength: 1 }, "actions[0].filling: want zero or random");
    refused({ kind: "mistake", percent: 100, filling: "zero", maxOccurrences: 0, maxLength: 1 }, "actions[0].maxOccurrences");
    refused({ kind: "mistake", percent: 100, filling: "zero", maxOccurrences: 1, maxLength: 0 }, "actions[0].maxLength");
    refused({ kind: "slow", percent: 100 }, 'actions[0].kind: want latency, fault, attrOverride or mistake, got "slow"');
    expect(() => iofsConfigText(Array.from({ length: 257 }, () => ({ kind: "fault", percent: 1, errno: 5 }) as IofsAction))).toThrow("actions: at most 256, got 257");
  });

  it("writeIofsConfig replaces the file atomically and leaves no temporary file", () => {
    const dir = mkdtempSync(join(tmpdir(), "iofs-config-"));
    try {
      const file = join(dir, "config");
      writeIofsConfig(file, [{ kind: "fault", percent: 100, errno: 5 }]);
      writeIofsConfig(file, [{ kind: "fault", percent: 100, errno: 28 }]);
      expect(readFileSync(file, "utf8")).toBe("kind=fault\tpath=\tmethods=\tpercent=100\terrno=28\n");
      expect(readdirSync(dir)).toEqual(["config"]);
      expect(() => writeIofsConfig(file, [{ kind: "fault", percent: 100, errno: 0 }])).toThrow("actions[0].errno");
      expect(readFileSync(file, "utf8")).toContain("errno=28"); // a bad config never replaces the good one
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("iofsArgv", () => {
  it("builds each command", () => {
    expect(iofsArgv({ command: "check", pid: 7, volume: "/data" })).toEqual(["check", "--pid", "7", "--volume", "/data"]);
    expect(iofsArgv({ command: "unmount", pid: 7, volume: "/data" })).toEqual(["unmount", "--pid", "7", "--volume", "/data"]);
    expect(iofsArgv({ command: "serve", pid: 7, volume: "/data", configFile: "/run/c", key })).toEqual([
      "serve", "--pid", "7", "--volume", "/data", "--config", "/run/c", "--key", key,
    ]);
    expect(iofsArgv({ command: "serve", pid: 7, volume: "/data", configFile: "/run/c", key, log: "/run/l" }).slice(-2)).toEqual(["--log", "/run/l"]);
    expect(
      iofsArgv({ command: "serve", pid: 7, volume: "/data", configFile: "/run/c", key, joinCgroups: ["/sys/fs/cgroup/pids/x/cgroup.procs", "/sys/fs/cgroup/memory/x/cgroup.procs"] }).slice(-4),
    ).toEqual(["--join-cgroup", "/sys/fs/cgroup/pids/x/cgroup.procs", "--join-cgroup", "/sys/fs/cgroup/memory/x/cgroup.procs"]);
  });
  it("refuses bad input, naming the field", () => {
    expect(() => iofsArgv({ command: "check", pid: 0, volume: "/data" })).toThrow("pid: want an integer in 1..4194304, got 0");
    expect(() => iofsArgv({ command: "check", pid: 1, volume: "data" })).toThrow('volume: want an absolute path, got "data"');
    expect(() => iofsArgv({ command: "serve", pid: 1, volume: "/d", configFile: "/c", key: key.toUpperCase() })).toThrow("key: want 32 lowercase hex digits");
    expect(() => iofsArgv({ command: "serve", pid: 1, volume: "/d", configFile: "", key })).toThrow("configFile: required");
    expect(() => iofsArgv({ command: "serve", pid: 1, volume: "/d", configFile: "/c", key, joinCgroups: ["x/cgroup.procs"] })).toThrow(
      'joinCgroups[0]: want the absolute path of a cgroup.procs file, got "x/cgroup.procs"',
    );
  });
});

describe("parsing the binary's lines", () => {
  it("check", () => {
    expect(parseIofsCheckOutput('{"ok":true,"faulted":false,"path":"/run/etcd"}\n')).toEqual({ ok: true, faulted: false, path: "/run/etcd" });
    expect(parseIofsCheckOutput('{"ok":true,"faulted":true,"path":"/data"}\n')).toEqual({ ok: true, faulted: true, path: "/data" });
    expect(() => parseIofsCheckOutput('{"ok":true,"faulted":false}\n')).toThrow("check output has no path");
    expect(parseIofsCheckOutput('{"ok":false,"reason":"volume /x is not a mount point in the container"}\n')).toEqual({
      ok: false, reason: "volume /x is not a mount point in the container",
    });
    expect(() => parseIofsCheckOutput("")).toThrow("check printed 0 lines");
    expect(() => parseIofsCheckOutput("nope\n")).toThrow("check output is not JSON");
    expect(() => parseIofsCheckOutput("{}\n")).toThrow("check output has no ok");
  });
  it("serve: the server or its refusal", () => {
    expect(parseIofsServeOutput('{"ready":true,"pid":12,"watchdog":11,"path":"/run/etcd"}\n')).toEqual({ pid: 12, watchdog: 11, path: "/run/etcd" });
    expect(() => parseIofsServeOutput('{"ready":true,"pid":12,"watchdog":11}\n')).toThrow("serve output has no ready, pid, watchdog and path");
    expect(() => parseIofsServeOutput('{"ready":false,"reason":"volume / is the container\'s root /"}\n')).toThrow("faultline-iofs serve refused: volume / is the container's root /");
    expect(() => parseIofsServeOutput('{"ready":true}\n')).toThrow("serve output has no ready, pid, watchdog and path");
  });
  it("unmount", () => {
    expect(parseIofsUnmountOutput('{"ok":true,"unmounted":true}\n')).toEqual({ unmounted: true });
    expect(parseIofsUnmountOutput('{"ok":true,"unmounted":false,"reason":"the mount at /d is tmpfs, not fuse.faultline-iofs"}\n')).toEqual({
      unmounted: false, reason: "the mount at /d is tmpfs, not fuse.faultline-iofs",
    });
    expect(() => parseIofsUnmountOutput('{"ok":false,"reason":"cannot enter"}\n')).toThrow("faultline-iofs unmount failed: cannot enter");
  });
});

describe("finding a server again", () => {
  it("matches the binary, the serve command and the key in a cmdline", () => {
    const cmdline = ["/x/faultline-iofs", "serve", "--pid", "1", "--volume", "/d", "--config", "/c", "--key", key, ""].join("\0");
    expect(isIofsServerCmdline(cmdline, key)).toBe(true);
    expect(isIofsServerCmdline(cmdline, "f".repeat(32))).toBe(false);
    expect(isIofsServerCmdline(cmdline.replace("serve", "check"), key)).toBe(false);
    expect(isIofsServerCmdline(cmdline.replace("faultline-iofs", "sleep"), key)).toBe(false);
  });
  it("isServer is false for a pid that is not one", () => {
    expect(createIofsHelper().isServer(process.pid, key)).toBe(false);
  });
  it("iofsKey is per (container, volume)", () => {
    expect(iofsKey("c1", "/data")).toMatch(/^[0-9a-f]{32}$/);
    expect(iofsKey("c1", "/data")).not.toBe(iofsKey("c1", "/logs"));
    expect(iofsKey("c1", "/data")).not.toBe(iofsKey("c2", "/data"));
    expect(iofsKey("c1", "/data")).toBe(iofsKey("c1", "/data"));
  });
});

describe("defaultIofsBinary", () => {
  it("is native/build/faultline-iofs next to the module", () => {
    expect(defaultIofsBinary()).toMatch(/\/libs\/chaos\/io\/native\/build\/faultline-iofs$/);
  });
});
