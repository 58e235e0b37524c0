import { Code, ConnectError } from "@connectrpc/connect";
import type { ChaosDaemonClient } from "@faultline/daemon-client";
import { ContainerKillBatcher, maxKillsPerCall } from "./container-kill-batcher.js";

// The daemon is a recording double: what each call carried, and per-id answers.
function daemonDouble(options: { unimplemented?: boolean; notFound?: Set<string>; omit?: Set<string> } = {}) {
  const calls: string[][] = [];
  const daemon = {
    async containerKillMany({ containerIds }: { containerIds: string[] }) {
      calls.push(["many", ...containerIds]);
      if (options.unimplemented) throw new ConnectError("unknown method", Code.Unimplemented);
      return {
        results: containerIds
          .filter((id) => !options.omit?.has(id))
          .map((containerId) =>
            options.notFound?.has(containerId) ? { containerId, code: Code.NotFound, message: `container ${containerId} not found` } : { containerId, code: 0, message: "" },
          ),
      };
    },
    async containerKill({ containerId }: { containerId: string }) {
      calls.push(["one", containerId]);
      if (options.notFound?.has(containerId)) throw new ConnectError(`container ${containerId} not found`, Code.NotFound);
      return {};
    },
  } as unknown as ChaosDaemonClient;
  return { daemon, calls };
}

describe("ContainerKillBatcher", () => {
  it("sends the kills asked of one node in the same turn in one ContainerKillMany, answering each caller", async () => {
    const { daemon, calls } = daemonDouble({ notFound: new Set(["c2"]) });
    const batcher = new ContainerKillBatcher();
    const answers = await Promise.allSettled(["c1", "c2", "c3"].map((id) => batcher.kill("node-a", daemon, id)));
    expect(calls).toEqual([["many", "c1", "c2", "c3"]]);
    expect(answers.map((a) => a.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((answers[1] as PromiseRejectedResult).reason).toMatchObject({ code: Code.NotFound, rawMessage: "container c2 not found" });
  });

  it("keeps nodes apart, and starts a new call for kills asked in a later turn", async () => {
    const a = daemonDouble();
    const b = daemonDouble();
    const batcher = new ContainerKillBatcher();
    await Promise.all([batcher.kill("node-a", a.daemon, "c1"), batcher.kill("node-b", b.daemon, "c2"), batcher.kill("node-a", a.daemon, "c3")]);
    await batcher.kill("node-a", a.daemon, "c4");
    expect(a.calls).toEqual([["many", "c1", "c3"], ["many", "c4"]]);
    expect(b.calls).toEqual([["many", "c2"]]);
  });

  it(`splits a turn's kills into calls of at most ${maxKillsPerCall}, and a container asked twice into two calls`, async () => {
    const { daemon, calls } = daemonDouble();
    const batcher = new ContainerKillBatcher();
    const ids = Array.from({ length: maxKillsPerCall + 1 }, (_, i) => `c${i}`);
    await Promise.all([...ids, "c0"].map((id) => batcher.kill("node-a", daemon, id)));
    expect(calls.map((c) => c.length - 1)).toEqual([maxKillsPerCall, 2]);
    expect(calls[1]).toEqual(["many", `c${maxKillsPerCall}`, "c0"]);
  });

  it("kills one by one, from then on, on a daemon without ContainerKillMany (a Chaos Mesh daemon)", async () => {
    const { daemon, calls } = daemonDouble({ unimplemented: true, notFound: new Set(["c2"]) });
    const batcher = new ContainerKillBatcher();
    const answers = await Promise.allSettled(["c1", "c2"].map((id) => batcher.kill("node-a", daemon, id)));
    expect(answers.map((a) => a.status)).toEqual(["fulfilled", "rejected"]);
    await batcher.kill("node-a", daemon, "c3");
    expect(calls).toEqual([["many", "c1", "c2"], ["one", "c1"], ["one", "c2"], ["one", "c3"]]);
  });

  it("fails a kill the daemon's answer leaves out, and every kill of a call that failed", async () => {
    const { daemon } = daemonDouble({ omit: new Set(["c2"]) });
    const batcher = new ContainerKillBatcher();
    const answers = await Promise.allSettled(["c1", "c2"].map((id) => batcher.kill("node-a", daemon, id)));
    expect(answers[0]!.status).toBe("fulfilled");
    expect((answers[1] as PromiseRejectedResult).reason).toMatchObject({ code: Code.Internal });
    const down = { containerKillMany: async () => Promise.reject(new ConnectError("connection refused", Code.Unavailable)) } as unknown as ChaosDaemonClient;
    const failed = await Promise.allSettled(["c1", "c2"].map((id) => batcher.kill("node-b", down, id)));
    expect(failed.map((a) => (a as PromiseRejectedResult).reason?.code)).toEqual([Code.Unavailable, Code.Unavailable]);
  });

  it("sends nothing for a kill whose signal is already aborted", async () => {
    const { daemon, calls } = daemonDouble();
    const batcher = new ContainerKillBatcher();
    const aborted = AbortSignal.abort(new Error("wave stopped"));
    await expect(batcher.kill("node-a", daemon, "c1", aborted)).rejects.toThrow("wave stopped");
    expect(calls).toEqual([]);
  });
});
