import { create } from "@bufbuild/protobuf";
import { NodeCapabilitiesSchema, type NodeCapabilities } from "@faultline/api";
import type { ChaosDaemonClient } from "./daemon-client-pool.js";
import { createNodeCapabilitiesCache } from "./node-capabilities-cache.js";

describe("createNodeCapabilitiesCache", () => {
  const signal = new AbortController().signal;
  const daemonAnswering = (answers: (NodeCapabilities | Error)[]) => {
    const calls: number[] = [];
    const daemon = {
      async getNodeCapabilities() {
        calls.push(Date.now());
        const next = answers.shift()!;
        if (next instanceof Error) throw next;
        return next;
      },
    } as unknown as ChaosDaemonClient;
    return { daemon, calls };
  };

  it("asks a node's daemon once within the TTL, per node, and again after it", async () => {
    const first = create(NodeCapabilitiesSchema, { qdiscs: ["htb"] });
    const second = create(NodeCapabilitiesSchema, { qdiscs: ["htb", "netem"] });
    const a = daemonAnswering([first, second]);
    const b = daemonAnswering([second]);
    let ttl = 60_000;
    const capabilitiesOf = createNodeCapabilitiesCache(ttl);
    expect(await capabilitiesOf({ nodeName: "a", daemon: a.daemon }, signal)).toBe(first);
    expect(await capabilitiesOf({ nodeName: "a", daemon: a.daemon }, signal)).toBe(first);
    expect(await capabilitiesOf({ nodeName: "b", daemon: b.daemon }, signal)).toBe(second);
    expect([a.calls.length, b.calls.length]).toEqual([1, 1]);
    ttl = 0;
    const expiring = createNodeCapabilitiesCache(ttl);
    const c = daemonAnswering([first, second]);
    expect(await expiring({ nodeName: "c", daemon: c.daemon }, signal)).toBe(first);
    await new Promise((r) => setTimeout(r, 2));
    expect(await expiring({ nodeName: "c", daemon: c.daemon }, signal)).toBe(second);
  });

  it("does not cache a failed call", async () => {
    const caps = create(NodeCapabilitiesSchema, {});
    const d = daemonAnswering([new Error("unavailable"), caps]);
    const capabilitiesOf = createNodeCapabilitiesCache();
    await expect(capabilitiesOf({ nodeName: "a", daemon: d.daemon }, signal)).rejects.toThrow("unavailable");
    expect(await capabilitiesOf({ nodeName: "a", daemon: d.daemon }, signal)).toBe(caps);
  });
});
