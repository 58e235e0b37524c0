// `faultline doctor`: the manager's published status (fresh), per node its daemon, version,
// reachability and capabilities per kind; the manager's version, leadership, queue and RBAC gaps;
// and the user's own RBAC gaps per CLI command (SelfSubjectAccessReviews). Exit 1 on a problem.
import { chaosGroup } from "@faultline/api";
import { discoverChaosKinds, type ChaosKind } from "../chaos-kinds.js";
import { exitFailure, exitOk, type CliIo } from "../cli-io.js";
import { describeAccess, type Access, type Kube } from "../kube.js";
import { age, renderStructured, renderTable, type OutputFormat } from "../output.js";
import { freshFaultlineStatus, statusConfigMapName, type FaultlineStatus } from "../faultline-status.js";
import { killSwitchGroup } from "./stop.js";

export interface DoctorOptions {
  faultlineNamespace: string;
  /** The namespace whose experiments the user works with (for the user's RBAC checks). */
  namespace: string;
  output: OutputFormat;
  timeoutMs: number;
}

/** What each command needs, in RBAC's words. */
export function commandAccess(kinds: readonly ChaosKind[], namespace: string, faultlineNamespace: string): { [command: string]: Access[] } {
  const chaos = (verb: string) => kinds.map((k) => ({ verb, resource: k.plural, group: chaosGroup, namespace }));
  const statusCm = (verb: string) => ({ verb, resource: "configmaps", group: "", namespace: faultlineNamespace, name: statusConfigMapName });
  const ks = (verb: string) => ({ verb, resource: "killswitches", group: killSwitchGroup, name: "cluster" });
  return {
    status: [...chaos("list"), { verb: "list", resource: "pods", group: "", namespace }, { verb: "list", resource: "events", group: "", namespace }],
    plan: [...chaos("create"), ...chaos("get"), ...chaos("delete")],
    "stop/resume kind/name": chaos("patch"),
    "stop/resume --all": [{ verb: "create", resource: "killswitches", group: killSwitchGroup }, ks("get"), ks("patch")],
    "doctor, recover --orphans": [statusCm("get"), statusCm("patch")],
  };
}

/** The accesses of `needs` the user lacks, by SelfSubjectAccessReview. */
export async function userGaps(kube: Kube, needs: { [command: string]: Access[] }): Promise<{ command: string; missing: string[] }[]> {
  const results = await Promise.all(
    Object.entries(needs).map(async ([command, accesses]) => {
      const missing = (
        await Promise.all(
          accesses.map(async (a) => {
            const review = await kube.request<{ status?: { allowed?: boolean } }>(
              "POST",
              "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
              { verb: "create", resource: "selfsubjectaccessreviews", group: "authorization.k8s.io" },
              { body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { verb: a.verb, resource: a.resource, group: a.group, ...(a.namespace ? { namespace: a.namespace } : {}), ...(a.name ? { name: a.name } : {}) } } } },
            );
            return review.status?.allowed === true ? undefined : describeAccess(a);
          }),
        )
      ).filter((m): m is string => m !== undefined);
      return { command, missing };
    }),
  );
  return results.filter((r) => r.missing.length > 0);
}

/** The problems doctor exits 1 for: unreachable daemons, nodes without one, RBAC gaps. */
export function doctorProblems(status: FaultlineStatus, gaps: readonly { command: string; missing: string[] }[]): string[] {
  const problems: string[] = [];
  for (const n of status.nodes) {
    if (n.daemon === undefined) problems.push(`node ${n.node}: no Faultline daemon`);
    else if (!n.daemon.reachable) problems.push(`node ${n.node}: daemon ${n.daemon.pod} unreachable${n.daemon.error ? `: ${n.daemon.error}` : ""}`);
  }
  for (const g of status.manager.rbacGaps) problems.push(`manager RBAC: cannot ${g}`);
  for (const g of gaps) problems.push(`your RBAC for ${g.command}: cannot ${g.missing.join("; ")}`);
  return problems;
}

export function renderDoctor(status: FaultlineStatus, gaps: readonly { command: string; missing: string[] }[], namespace: string, now: Date): string {
  const out: string[] = [];
  const m = status.manager;
  out.push(`Manager (${namespace}): version ${m.version}, leader ${m.identity} since ${m.leaderSince} (${age(m.leaderSince, now)}), queue ${m.queueDepth}, status updated ${age(status.updatedAt, now)} ago`);
  out.push(`  kinds: ${m.kinds.join(", ") || "-"}`);
  out.push(`  RBAC gaps: ${m.rbacGaps.length === 0 ? "none" : ""}`);
  for (const g of m.rbacGaps) out.push(`    - ${g}`);
  out.push("");
  out.push(
    renderTable(
      ["NODE", "DAEMON", "VERSION", "REACHABLE"],
      status.nodes.map((n) => [n.node, n.daemon === undefined ? "(none)" : n.daemon.pod || "(static address)", n.daemon?.version ?? "-", n.daemon === undefined ? "-" : n.daemon.reachable ? "yes" : `no: ${n.daemon.error ?? ""}`]),
    ).trimEnd(),
  );
  for (const n of status.nodes) {
    const caps = Object.entries(n.daemon?.capabilities ?? {}).sort(([a], [b]) => a.localeCompare(b));
    if (caps.length === 0) continue;
    out.push("");
    out.push(`Capabilities of ${n.node}:`);
    out.push(
      renderTable(
        ["  KIND", "CAPABLE"],
        caps.map(([kind, c]) => [`  ${kind}`, c.capable ? "yes" : `no: ${c.reason ?? ""}`]),
      ).trimEnd(),
    );
  }
  out.push("");
  if (gaps.length === 0) out.push("Your RBAC: every command allowed.");
  else {
    out.push("Your RBAC gaps:");
    for (const g of gaps) out.push(`  ${g.command}: cannot ${g.missing.join("; ")}`);
  }
  return out.join("\n") + "\n";
}

export async function runDoctor(kube: Kube, io: CliIo, options: DoctorOptions): Promise<number> {
  const status = await freshFaultlineStatus(kube, io, options.faultlineNamespace, options.timeoutMs);
  const kinds = await discoverChaosKinds(kube);
  const gaps = await userGaps(kube, commandAccess(kinds, options.namespace, options.faultlineNamespace));
  const problems = doctorProblems(status, gaps);
  if (options.output === "table") {
    io.stdout.write(renderDoctor(status, gaps, options.faultlineNamespace, io.now?.() ?? new Date()));
    if (problems.length > 0) io.stderr.write(`${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  - ${p}\n`).join("")}`);
  } else {
    io.stdout.write(renderStructured({ status, userRbacGaps: gaps, problems }, options.output));
  }
  return problems.length > 0 ? exitFailure : exitOk;
}
