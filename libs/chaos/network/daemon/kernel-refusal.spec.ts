import { Code } from "@connectrpc/connect";
import { NamespaceProcessError } from "@faultline/daemon-server";
import { missingPiece, refusalError } from "./kernel-refusal.js";

describe("kernel refusals", () => {
  it("name the missing piece from the kernel's and the tools' words", () => {
    expect(missingPiece(["tc", "qdisc", "add", "dev", "eth0", "root", "handle", "1:", "netem", "delay", "1ms"], "Error: Specified qdisc kind is unknown.\n")).toBe("qdisc/netem (kernel module sch_netem)");
    expect(missingPiece(["tc", "qdisc", "add", "dev", "eth0", "root", "handle", "1:", "prio"], "Error: Specified qdisc not found.\n")).toBe("qdisc/prio (kernel module sch_prio)");
    expect(missingPiece(["iptables-restore"], "iptables-restore v1.8.9 (legacy): Couldn't load target `CLASSIFY':No such file or directory")).toBe("iptables/CLASSIFY (kernel module xt_CLASSIFY)");
    expect(missingPiece(["iptables"], 'iptables v1.8.4 (legacy): unknown option "--set-class"')).toBe("iptables/CLASSIFY (kernel module xt_CLASSIFY)");
    expect(missingPiece(["ipset", "restore"], "ipset v7.17: Kernel error received: Set type not supported")).toMatch(/^ipset/);
    expect(missingPiece(["tc", "qdisc", "add"], "Error: Exclusivity flag on, cannot modify.")).toBeUndefined();
  });

  it("become FailedPrecondition naming the node, the piece and the command; other failures stay Internal", () => {
    const cmd = ["nsenter", "-t", "42", "-n", "--", "tc", "qdisc", "add", "dev", "eth0", "root", "handle", "1:", "netem", "delay", "10ms"];
    const e = refusalError(new NamespaceProcessError("failed", cmd, "exit-status", 2, "Error: Specified qdisc kind is unknown.\n"), "node-1", "nothing of this call was left applied");
    expect(e.code).toBe(Code.FailedPrecondition);
    expect(e.rawMessage).toBe(
      "node node-1 cannot do this: it lacks qdisc/netem (kernel module sch_netem); `tc qdisc add dev eth0 root handle 1: netem delay 10ms` was refused: Error: Specified qdisc kind is unknown.; nothing of this call was left applied",
    );
    const other = refusalError(new NamespaceProcessError("failed", ["nsenter", "--", "tc"], "exit-status", 1, "Error: something else\n"), "node-1", "x");
    expect(other.code).toBe(Code.Internal);
    expect(other.rawMessage).toBe("node node-1: `tc` failed: Error: something else; x");
  });
});
