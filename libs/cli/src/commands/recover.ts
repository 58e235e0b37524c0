// `faultline recover --orphans`: a fresh status from the manager, the injections whose experiment
// is gone (the sweeper's find-only view), and, confirmed (y/N on a terminal, --yes otherwise), a
// real sweep requested through the ConfigMap's annotation, awaited, and what it removed printed.
import { CliError, exitFailure, exitOk, type CliIo } from "../cli-io.js";
import type { Kube } from "../kube.js";
import { renderStructured, renderTable, type OutputFormat } from "../output.js";
import { annotateNow, freshFaultlineStatus, readFaultlineStatus, statusConfigMapName, sweepRequestedAnnotation, type FaultlineStatus } from "../faultline-status.js";
import { pollUntil } from "../wait.js";

export interface RecoverOptions {
  faultlineNamespace: string;
  yes: boolean;
  output: OutputFormat;
  timeoutMs: number;
}

export function renderOrphans(found: FaultlineStatus["orphans"]["found"]): string {
  return renderTable(
    ["KIND", "POD", "EXPERIMENT (GONE)", "WHAT"],
    found.map((o) => [o.kind, o.pod, o.owner.name ? `${o.owner.namespace ? `${o.owner.namespace}/` : ""}${o.owner.name}` : `uid ${o.owner.uid}`, o.what]),
  );
}

export async function runRecover(kube: Kube, io: CliIo, options: RecoverOptions): Promise<number> {
  const ns = options.faultlineNamespace;
  const status = await freshFaultlineStatus(kube, io, ns, options.timeoutMs);
  const found = status.orphans.found;
  if (found.length === 0) {
    io.stderr.write(`No orphaned injections (checked ${status.orphans.checkedAt}).\n`);
    if (options.output !== "table") io.stdout.write(renderStructured({ found: [], swept: [] }, options.output));
    return exitOk;
  }
  io.stdout.write(options.output === "table" ? renderOrphans(found) : renderStructured({ found }, options.output));
  if (!options.yes) {
    if (!io.stdinIsTTY || io.prompt === undefined) throw new CliError(`refusing to remove ${found.length} injection${found.length === 1 ? "" : "s"} without confirmation: stdin is not a terminal, pass --yes`);
    const answer = await io.prompt(`Remove these ${found.length} injection${found.length === 1 ? "" : "s"}? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) {
      io.stderr.write("Nothing removed.\n");
      return exitFailure;
    }
  }
  const requested = await annotateNow(kube, ns, sweepRequestedAnnotation, io.now?.());
  io.stderr.write(`Sweep requested (${requested}); waiting for the manager…\n`);
  const done = await pollUntil(
    io,
    { timeoutMs: options.timeoutMs, timeoutMessage: () => `the manager did not report a sweep in ConfigMap ${ns}/${statusConfigMapName} within ${options.timeoutMs / 1000}s (lastSweep.requestedAt < ${requested})` },
    async () => {
      const s = await readFaultlineStatus(kube, ns);
      return s.lastSweep !== undefined && Date.parse(s.lastSweep.requestedAt) >= Date.parse(requested) ? s.lastSweep : undefined;
    },
  );
  if (options.output === "table") {
    if (done.swept.length === 0) io.stdout.write("The sweep removed nothing (the injections may have gone already).\n");
    else io.stdout.write(`Removed:\n${renderTable(["KIND", "POD", "WHAT"], done.swept.map((s) => [s.kind, s.pod, s.what]))}`);
    for (const e of done.errors) io.stderr.write(`sweep error: ${e}\n`);
  } else io.stdout.write(renderStructured(done, options.output));
  return done.errors.length > 0 ? exitFailure : exitOk;
}
