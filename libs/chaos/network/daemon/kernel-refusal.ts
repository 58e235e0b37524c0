import { Code, ConnectError } from "@connectrpc/connect";
import { NamespaceProcessError } from "@faultline/daemon-server";

/** What a command's failure says the node lacks, from the command and the kernel's (or tool's) words. */
export function missingPiece(argv: readonly string[], stderr: string): string | undefined {
  const tool = argv[0] ?? "";
  if (tool === "tc") {
    if (/Specified qdisc kind is unknown|Specified qdisc not found|Unknown qdisc|RTNETLINK answers: No such file or directory/i.test(stderr)) {
      const at = argv.findIndex((a) => ["netem", "tbf", "prio", "sfq", "htb"].includes(a));
      const kind = at >= 0 ? argv[at]! : "?";
      return argv[1] === "qdisc" ? `qdisc/${kind} (kernel module sch_${kind})` : undefined;
    }
    if (/Unknown filter|Unknown classifier|Specified filter kind is unknown/i.test(stderr)) return "a tc classifier";
  }
  if (tool.includes("iptables")) {
    const m = /(?:Couldn't load (?:match|target) [`']?|Extension )([A-Za-z0-9_]+)/.exec(stderr);
    if (m) return `iptables/${m[1]} (kernel module xt_${m[1]})`;
    if (/unknown option "--set-class"/.test(stderr)) return "iptables/CLASSIFY (kernel module xt_CLASSIFY)";
    if (/Table does not exist|can't initialize ip6?tables table/i.test(stderr)) return `${tool.startsWith("ip6") ? "ip6tables" : "iptables"} table (iptable_filter / iptable_mangle)`;
  }
  if (tool === "ipset" && /Cannot open session to kernel|Set type not supported|Kernel error received: (?:Set type|Protocol)/i.test(stderr)) {
    return "ipset (kernel module ip_set and its set types)";
  }
  return undefined;
}

/**
 * The gRPC error for a command the node refused: FailedPrecondition naming the node and the missing
 * piece when the kernel lacks one (`Error: Specified qdisc kind is unknown.` → qdisc/netem), else
 * Internal with the tool's words; `rolledBack` says what became of the call's partial changes.
 *
 * @example
 * throw refusalError(error, "node-1", "nothing of this call was left applied");
 */
export function refusalError(error: unknown, node: string, rolledBack: string): ConnectError {
  if (error instanceof ConnectError) return error;
  if (!(error instanceof NamespaceProcessError)) return ConnectError.from(error, Code.Internal);
  // the command inside the namespace: what follows nsenter's "--"
  const dash = error.command.indexOf("--");
  const argv = dash >= 0 ? error.command.slice(dash + 1) : error.command;
  const said = error.stderr.trim().split("\n").filter((l) => l.trim() !== "")[0] ?? error.message;
  const piece = missingPiece(argv, error.stderr);
  if (piece !== undefined) {
    return new ConnectError(`node ${node} cannot do this: it lacks ${piece}; \`${argv.join(" ")}\` was refused: ${said}; ${rolledBack}`, Code.FailedPrecondition, undefined, undefined, error);
  }
  const code = error.reason === "timeout" ? Code.DeadlineExceeded : error.reason === "cancelled" ? Code.Canceled : Code.Internal;
  return new ConnectError(`node ${node}: \`${argv.join(" ")}\` failed: ${said}; ${rolledBack}`, code, undefined, undefined, error);
}
