import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { podProcessArgv } from "../../pod-netns-process/pod-process.js";
import { httpRedirect } from "./http-redirect.js";
import { checkHttpTls } from "./http-request-validation.js";
import { assignListeners, proxyConfig, rulePorts } from "./http-state.js";
import { defaultProxyUid, listeningTcpPorts, proxyArgs, reloadVerdict } from "./proxy-process.js";

const rule = (port: number) => ({ target: "Request" as const, selector: {}, actions: { abort: true }, port });

describe("the proxy's command", () => {
  it("enters only the pod's network namespace as uid 2000080 without capabilities and runs the proxy on config.json", () => {
    expect(podProcessArgv({ nsenter: "nsenter", setpriv: "setpriv", node: "/usr/bin/node", main: "/app/http-proxy-main.js", uid: defaultProxyUid, gid: defaultProxyUid }, "/proc/42/ns/net", proxyArgs)).toEqual([
      "nsenter",
      "--net=/proc/42/ns/net",
      "--",
      "setpriv",
      "--reuid",
      "2000080",
      "--regid",
      "2000080",
      "--clear-groups",
      "--inh-caps=-all",
      "--bounding-set=-all",
      "--no-new-privs",
      "/usr/bin/node",
      "/app/http-proxy-main.js",
      "--config",
      "config.json",
    ]);
  });
});

describe("listeners and ports", () => {
  it("a server port keeps its proxy port while a rule uses it; a new one takes the lowest port from 15080 that is no listener's, no rule's and not listened on in the pod", () => {
    const first = assignListeners([8080, 9090], [], new Set([15081]));
    expect(first).toEqual([
      { serverPort: 8080, proxyPort: 15080 },
      { serverPort: 9090, proxyPort: 15082 },
    ]);
    // 8080 goes: 9090 keeps 15082; a new 15080 server port pushes its own proxy port past it
    expect(assignListeners([9090, 15080], first, new Set([15081]))).toEqual([
      { serverPort: 9090, proxyPort: 15082 },
      { serverPort: 15080, proxyPort: 15083 },
    ]);
  });

  it("rule ports are distinct, in the order first used; the config tags each rule with its record key", () => {
    const records = [
      { recordKey: "a", containerId: "c://1", rules: [rule(9090), rule(8080)], rulesJson: "" },
      { recordKey: "b", containerId: "c://1", rules: [rule(8080)], rulesJson: "" },
    ];
    expect(rulePorts(records)).toEqual([9090, 8080]);
    const listeners = assignListeners(rulePorts(records), [], new Set());
    expect(proxyConfig({ records, listeners })).toEqual({
      listeners: [
        { port: 15080, serverPort: 9090 },
        { port: 15081, serverPort: 8080 },
      ],
      rules: [
        { ...rule(9090), recordKey: "a" },
        { ...rule(8080), recordKey: "a" },
        { ...rule(8080), recordKey: "b" },
      ],
      tls: null,
    });
    expect(httpRedirect(listeners)).toEqual({
      chain: "FAULTLINE-HTTP",
      hookChain: "PREROUTING",
      hooks: ["-p tcp"],
      rules: ["-p tcp --dport 9090 -j REDIRECT --to-ports 15080", "-p tcp --dport 8080 -j REDIRECT --to-ports 15081"],
    });
  });

  it("reads the listening TCP ports of a namespace from its tcp and tcp6 tables (state 0A only)", () => {
    const proc = mkdtempSync(join(tmpdir(), "faultline-http-tcp-"));
    mkdirSync(join(proc, "7", "net"), { recursive: true });
    writeFileSync(
      join(proc, "7", "net", "tcp"),
      "  sl  local_address rem_address   st tx_queue rx_queue\n   0: 00000000:1F90 00000000:0000 0A 00000000:00000000\n   1: 0100007F:3AD8 0100007F:9C40 01 00000000:00000000\n",
    );
    writeFileSync(join(proc, "7", "net", "tcp6"), "  sl  local_address remote_address st\n   0: 00000000000000000000000000000000:3AD9 00000000000000000000000000000000:0000 0A 0\n");
    expect([...listeningTcpPorts(proc, 7)].sort()).toEqual([15065, 8080]);
    expect(listeningTcpPorts(proc, 8).size).toBe(0);
    rmSync(proc, { recursive: true, force: true });
  });
});

describe("reloadVerdict", () => {
  it("reads the proxy's first reload line after the SIGHUP: reloaded on every port, reloaded short of one, or failed keeping the old config", () => {
    expect(reloadVerdict('{"event":"request"}\n', [15080])).toBe(false);
    expect(reloadVerdict('{"level":"info","event":"reloaded","ports":[15080,15081]}\n', [15081])).toBe(true);
    expect(reloadVerdict('{"level":"info","event":"reloaded","ports":[15080]}\n', [15080, 15081])).toBe("it reloaded without listening on 15081");
    expect(reloadVerdict('{"level":"warn","event":"reload-failed","error":"listen EADDRINUSE"}\n{"event":"reloaded","ports":[15080]}\n', [15080])).toBe("it kept its old config: listen EADDRINUSE");
  });
});

describe("checkHttpTls", () => {
  it("takes Chaos Mesh's JSON (names and PEM contents), keeps cert, key and ca; empty is none", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";
    expect(checkHttpTls("")).toBeUndefined();
    expect(checkHttpTls(JSON.stringify({ cert_name: "tls.crt", key_name: "tls.key", ca_name: "ca.crt", cert: pem, key: pem, ca: pem }))).toEqual({ cert: pem, key: pem, ca: pem });
    expect(() => checkHttpTls("{}")).toThrow(expect.objectContaining({ code: Code.InvalidArgument, rawMessage: "tls.cert: PEM text is required" }));
  });
});
