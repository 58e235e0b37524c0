import { NamespaceProcessError } from "@faultline/daemon-server";
import { deleteRootQdiscs, planDevices, qdiscsToReplace, runTcBatch } from "./traffic-control-state.js";
import type { TargetNetworkNamespace } from "./target-network-namespace.js";

// How tc -batch failures are read (the real kernel's are in traffic-control.integration.spec.ts).
const failingWith = (stderr: string): TargetNetworkNamespace & { inputs: string[] } => {
  const inputs: string[] = [];
  return {
    node: "n1",
    inputs,
    run: async (argv, input) => {
      inputs.push(input ?? "");
      throw new NamespaceProcessError("tc failed", ["nsenter", "--", ...argv], "exit-status", 1, stderr);
    },
  };
};

describe("tc batches", () => {
  it("send every command in one tc -batch, and name the one the kernel refused", async () => {
    const ns = failingWith("Error: Specified qdisc kind is unknown.\nCommand failed -:2\n");
    const commands = [
      ["tc", "qdisc", "add", "dev", "eth0", "root", "handle", "1:", "tbf", "rate", "1mbit", "burst", "1000", "limit", "1000"],
      ["tc", "qdisc", "add", "dev", "eth0", "parent", "1:", "handle", "2:", "netem", "delay", "10ms"],
    ];
    const error = await runTcBatch(ns, commands).then(() => undefined, (e: NamespaceProcessError) => e);
    expect(ns.inputs).toEqual(["qdisc add dev eth0 root handle 1: tbf rate 1mbit burst 1000 limit 1000\nqdisc add dev eth0 parent 1: handle 2: netem delay 10ms\n"]);
    expect(error?.command).toEqual(["--", ...commands[1]!]);
    expect(error?.stderr).toBe("Error: Specified qdisc kind is unknown.\n");
  });

  it("delete roots ignoring devices that have none, but not other failures", async () => {
    await expect(deleteRootQdiscs(failingWith("Error: Cannot delete qdisc with handle of zero.\nCommand failed -:1\nError: Cannot delete qdisc with handle of zero.\nCommand failed -:2\n"), ["lo", "eth0"])).resolves.toBeUndefined();
    await expect(deleteRootQdiscs(failingWith("Error: Cannot delete qdisc with handle of zero.\nCommand failed -:1\nRTNETLINK answers: Operation not permitted\nCommand failed -:2\n"), ["lo", "eth0"])).rejects.toMatchObject({
      command: ["--", "tc", "qdisc", "del", "dev", "eth0", "root"],
    });
  });
});

describe("which root qdiscs SetTcs may replace", () => {
  const roots = [
    { device: "lo", kind: "noqueue", handle: "0:" },
    { device: "eth0", kind: "htb", handle: "1:" },
    { device: "eth1", kind: "fq_codel", handle: "8001:" },
    { device: "eth2", kind: "tbf", handle: "2:" },
  ];

  it("deletes only Faultline's (handle 1: of netem, tbf, prio, htb), leaving the kernel's defaults and others' alone", () => {
    expect(qdiscsToReplace(roots, ["eth0", "lo"])).toEqual(["eth0"]);
    expect(qdiscsToReplace(roots, [])).toEqual(["eth0"]); // SetTcs([]) removes Faultline's only
  });

  it("refuses a plan for a device whose root qdisc someone else installed, naming it", () => {
    expect(() => qdiscsToReplace(roots, ["eth1"])).toThrow(/root qdiscs Faultline did not install: fq_codel handle 8001: on eth1/);
    expect(() => qdiscsToReplace(roots, ["eth0", "eth2"])).toThrow(/tbf handle 2: on eth2/);
  });

  it("reads the devices a plan puts qdiscs on", () => {
    expect(planDevices([["tc", "qdisc", "add", "dev", "eth0", "root", "handle", "1:", "tbf"], ["tc", "class", "add", "dev", "eth1", "parent", "1:"]])).toEqual(["eth0", "eth1"]);
  });
});
