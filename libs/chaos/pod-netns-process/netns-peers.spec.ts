// The peer check over a proc tree of the test's own (symlinks and files in a temporary directory).
import { afterEach, describe, expect, it } from "@jest/globals";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNetnsPeerCheck, socketInodeOfPort, udpInodes } from "./netns-peers.js";

const header = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n";
const udpLine = (port: number, inode: number) =>
  `  1: 00000000:${port.toString(16).toUpperCase().padStart(4, "0")} 00000000:0000 07 00000000:00000000 00:00000000 00000000  65534        0 ${inode} 2 0000000000000000 0\n`;

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A proc tree: each pid with a readable ns/net link (`net`), an unreadable one (`hidden`: ns is a file), and its net/udp table. */
function proc(pids: Record<string, { net?: string; hidden?: true; udp?: string; tcp?: string }>): string {
  root = mkdtempSync(join(tmpdir(), "faultline-proc-"));
  for (const [pid, p] of Object.entries(pids)) {
    mkdirSync(join(root, pid, "net"), { recursive: true });
    if (p.hidden) writeFileSync(join(root, pid, "ns"), "");
    else if (p.net !== undefined) (mkdirSync(join(root, pid, "ns")), symlinkSync(p.net, join(root, pid, "ns", "net")));
    if (p.udp !== undefined) writeFileSync(join(root, pid, "net", "udp"), header + p.udp);
    if (p.tcp !== undefined) writeFileSync(join(root, pid, "net", "tcp"), header + p.tcp);
  }
  mkdirSync(join(root, "sys")); // not a pid: ignored
  return root;
}

describe("createNetnsPeerCheck", () => {
  it("sees a peer by its readable ns/net link, and none once it is gone", () => {
    const r = proc({ "10": { net: "net:[111]" }, "20": { net: "net:[111]" }, "30": { net: "net:[222]" } });
    const hasPeer = createNetnsPeerCheck({ procRoot: r, selfPid: 10, socketInode: () => "5555" });
    expect(hasPeer()).toBe(true);
    rmSync(join(r, "20"), { recursive: true });
    expect(hasPeer()).toBe(false);
  });

  it("is alone when every other process is in another namespace (itself does not count)", () => {
    const r = proc({ "10": { net: "net:[111]" }, "30": { net: "net:[222]", udp: udpLine(53, 9) } });
    expect(createNetnsPeerCheck({ procRoot: r, selfPid: 10, socketInode: () => "5555" })()).toBe(false);
  });

  it("falls back to the UDP table for a process whose ns link it may not read: our socket's inode there means shared", () => {
    const r = proc({
      "10": { net: "net:[111]", udp: udpLine(5353, 5555) },
      "20": { hidden: true, udp: udpLine(5353, 5555) + udpLine(68, 7) },
      "30": { hidden: true, udp: udpLine(68, 8) },
    });
    const inode = socketInodeOfPort("udp", 5353, r, 10);
    expect(inode).toBe("5555");
    const hasPeer = createNetnsPeerCheck({ procRoot: r, selfPid: 10, socketInode: () => inode });
    expect(hasPeer()).toBe(true);
    rmSync(join(r, "20"), { recursive: true });
    expect(hasPeer()).toBe(false); // 30 is hidden too, but its namespace lacks our socket
  });

  it("reads the inodes of a UDP table", () => {
    expect(udpInodes(header + udpLine(53, 1) + udpLine(54, 2))).toEqual(new Set(["1", "2"]));
    expect(socketInodeOfPort("udp", 9999, "/nonexistent", 1)).toBeUndefined();
  });

  it("with protocol tcp, falls back to the TCP table, finding our listening socket (state 0A) by its port", () => {
    // a connection (state 01) on the same port comes first in the table: only the listening socket counts
    const tcpLine = (port: number, state: string, inode: number) => udpLine(port, inode).replace(" 07 ", ` ${state} `);
    const r = proc({
      "10": { net: "net:[111]", tcp: tcpLine(15080, "01", 4444) + tcpLine(15080, "0A", 6666) },
      "20": { hidden: true, udp: udpLine(15080, 6666), tcp: tcpLine(80, "0A", 1) },
      "30": { hidden: true, tcp: tcpLine(15080, "0A", 6666) },
    });
    const inode = socketInodeOfPort("tcp", 15080, r, 10);
    expect(inode).toBe("6666");
    const hasPeer = createNetnsPeerCheck({ procRoot: r, selfPid: 10, socketInode: () => inode, protocol: "tcp" });
    expect(hasPeer()).toBe(true);
    rmSync(join(r, "30"), { recursive: true });
    expect(hasPeer()).toBe(false); // 20 has the inode in its UDP table only: not ours
    expect(socketInodeOfPort("tcp", 9999, "/nonexistent", 1)).toBeUndefined();
  });
});
