// Test support: whether this machine's kernel accepts a qdisc, asked once, synchronously, in a
// throw-away network namespace, so that a test of what happens WITHOUT it is declared skipped on a
// kernel that has it (jest reports it as skipped), never passed without checking anything.
import { execFileSync } from "node:child_process";

const known = new Map<string, boolean>();

/** Whether `tc qdisc add dev lo root handle 1: <qdisc> <args>` works in a new network namespace. */
export function kernelAccepts(qdisc: "netem" | "prio" | "sfq", args: string[] = qdisc === "netem" ? ["delay", "1ms"] : []): boolean {
  let answer = known.get(qdisc);
  if (answer === undefined) {
    try {
      execFileSync("unshare", ["--net", "--", "tc", "qdisc", "add", "dev", "lo", "root", "handle", "1:", qdisc, ...args], { stdio: "ignore" });
      answer = true;
    } catch {
      answer = false;
    }
    known.set(qdisc, answer);
  }
  return answer;
}

/** `it` on a kernel without `qdisc`, `it.skip` on one that has it. */
export const onKernelWithout = (qdisc: "netem" | "prio" | "sfq"): typeof it => (kernelAccepts(qdisc) ? it.skip : it);
