import { defaultInClusterCaFile, DashboardUsageError, parseDashboardArgs, resolveDashboardOptions } from "./dashboard-options.js";

const parse = (argv: string[], env: { [name: string]: string | undefined } = {}) => {
  const parsed = parseDashboardArgs(argv, env);
  if (parsed.help) throw new Error("help");
  return parsed.options;
};
const refused = (argv: string[], env: { [name: string]: string | undefined } = {}) => {
  try {
    parseDashboardArgs(argv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(DashboardUsageError);
    return (err as Error).message;
  }
  throw new Error(`accepted: ${argv.join(" ")}`);
};

describe("parseDashboardArgs", () => {
  it("kubeconfig mode by default, on 127.0.0.1:7070", () => {
    expect(parse([])).toEqual({});
    expect(resolveDashboardOptions(parse([]))).toEqual({ auth: { mode: "kubeconfig" }, host: "127.0.0.1", port: 7070, faultlineNamespace: "chaos-mesh" });
    expect(resolveDashboardOptions(parse(["--kubeconfig", "/k", "--context", "dev", "--port", "0", "--host", "::1"]))).toEqual({ auth: { mode: "kubeconfig", kubeconfig: "/k", context: "dev" }, host: "::1", port: 0, faultlineNamespace: "chaos-mesh" });
  });

  it("--help", () => {
    expect(parseDashboardArgs(["--help"])).toEqual({ help: true });
    expect(parseDashboardArgs(["-h"])).toEqual({ help: true });
  });

  it("token mode with --api-server (and --ca-file)", () => {
    const options = parse(["--api-server", "https://10.0.0.1:6443", "--ca-file", "/ca.crt"]);
    expect(options).toEqual({ mode: "token", apiServer: "https://10.0.0.1:6443", caFile: "/ca.crt" });
    const resolved = resolveDashboardOptions(options);
    expect(resolved.auth).toEqual({ mode: "token", apiServer: new URL("https://10.0.0.1:6443"), caFile: "/ca.crt" });
    expect(resolved.host).toBe("127.0.0.1");
  });

  it("--in-cluster: the API server from KUBERNETES_SERVICE_HOST/PORT, the chart's CA path, every interface", () => {
    expect(parse(["--in-cluster"], { KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" })).toEqual({ mode: "token", apiServer: "https://10.0.0.1:443", caFile: defaultInClusterCaFile, host: "0.0.0.0" });
    expect(parse(["--in-cluster", "--ca-file", "/x.crt", "--host", "::", "--port", "8080"], { KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443" })).toEqual({ mode: "token", apiServer: "https://[fd00::1]:443", caFile: "/x.crt", host: "::", port: 8080 });
    expect(refused(["--in-cluster"], {})).toMatch(/^--in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set/);
  });

  it("bad flags: a message naming the flag", () => {
    expect(refused(["--bogus"])).toMatch(/Unknown option '--bogus'/);
    expect(refused(["extra"])).toMatch(/Unexpected argument 'extra'/);
    expect(refused(["--port", "http"])).toBe("--port http: not a port (0 to 65535; 0 picks a free one)");
    expect(refused(["--port", "70000"])).toBe("--port 70000: not a port (0 to 65535; 0 picks a free one)");
    expect(refused(["--port"])).toMatch(/--port/);
    expect(refused(["--api-server", "10.0.0.1:6443"])).toBe("--api-server 10.0.0.1:6443: not a URL (https://host:port)");
    expect(refused(["--api-server", "http://10.0.0.1:8080"])).toBe("--api-server http://10.0.0.1:8080: must be https:// (a bearer token is never sent in the clear)");
    expect(refused(["--api-server", "https://a:1", "--kubeconfig", "/k"])).toMatch(/^--kubeconfig and --context are for kubeconfig mode/);
    expect(refused(["--in-cluster", "--api-server", "https://a:1"], { KUBERNETES_SERVICE_HOST: "a", KUBERNETES_SERVICE_PORT: "1" })).toMatch(/^--in-cluster and --api-server exclude each other/);
    expect(refused(["--ca-file", "/ca.crt"])).toMatch(/^--ca-file is for token mode/);
    expect(refused(["--faultline-namespace", "Chaos_Mesh"])).toBe('--faultline-namespace "Chaos_Mesh": not a namespace name');
  });

  it("kubeconfig mode listens on loopback only (it serves the user's own credentials over plain HTTP)", () => {
    expect(refused(["--host", "0.0.0.0"])).toMatch(/^--host 0\.0\.0\.0: kubeconfig mode serves your own credentials over plain HTTP, so it listens on a loopback address only/);
    for (const host of ["::", "0", "::0", "0:0:0:0:0:0:0:0", "0x0", "[::]", "192.168.1.5", "10.0.0.1", "fe80::1", "127.1", "0x7f000001", "example.com"]) {
      expect(refused(["--host", host]).startsWith(`--host ${host}: kubeconfig mode`)).toBe(true);
      expect(() => resolveDashboardOptions({ host })).toThrow(/kubeconfig mode serves your own credentials/);
    }
    for (const host of ["127.0.0.1", "127.0.0.2", "::1", "0:0:0:0:0:0:0:1", "localhost"]) expect(resolveDashboardOptions({ host }).host).toBe(host);
    expect(parse(["--api-server", "https://a:1", "--host", "0.0.0.0"]).host).toBe("0.0.0.0");
  });
});

describe("resolveDashboardOptions (a program's options)", () => {
  it("checks what the flags check", () => {
    expect(() => resolveDashboardOptions({ mode: "token" })).toThrow("token mode needs --api-server URL (or --in-cluster)");
    expect(() => resolveDashboardOptions({ port: 1.5 })).toThrow("--port 1.5: not a port");
    expect(() => resolveDashboardOptions({ mode: "kubeconfig", apiServer: "https://a:1" })).toThrow(/^--api-server is for token mode/);
    expect(resolveDashboardOptions({ apiServer: "https://a:1/prefix" }).auth).toEqual({ mode: "token", apiServer: new URL("https://a:1/prefix") });
  });
});
