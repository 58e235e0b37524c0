import { parseArgs } from "node:util";
import { defaultRuntimeSocketPaths, type RuntimeSocketPaths } from "@faultline/cri-client";
import type { DaemonListenAddress, DaemonLogFormat } from "@faultline/daemon-server";

/** Everything the daemon is configured with, after validation. */
export interface DaemonConfig {
  grpc: DaemonListenAddress;
  http: { port: number; host?: string };
  sockets: RuntimeSocketPaths;
  tls?: { certFile: string; keyFile: string; caFile: string; clientNames: string[] };
  logLevel: string;
  logFormat: DaemonLogFormat;
  nsenterPath: string;
  execTimeoutMs: number;
  /** The faultline-spawn binary that starts those processes: undefined, the one beside the daemon's code; "off", Node's child_process. */
  spawnHelper?: string;
  /** How often the pid cache is kept warm (running containers listed, new ones' init pids looked up), in ms; 0: never. */
  pidCacheWarmMs: number;
  /** How long an injection (a stressor) runs unless the manager renews it, in seconds. */
  injectionLeaseSeconds: number;
  /** The node this daemon serves (the chart sets it from spec.nodeName), to pick its kubelet. */
  nodeName?: string;
  /** The kubelet's executable path on the node; given, only a process running it is asked for the runtime socket. */
  kubeletPath?: string;
}

/** A configuration problem, worded for the person starting the daemon. */
export class DaemonConfigError extends Error {
  override name = "DaemonConfigError";
}

export const daemonUsage = `Usage: faultline-daemon [options]   (each option can also be set as FAULTLINE_DAEMON_<NAME>, e.g. FAULTLINE_DAEMON_GRPC_PORT)
  --grpc-port N          gRPC port (default 31767)
  --grpc-host ADDR       gRPC bind address (default all interfaces)
  --grpc-socket PATH     serve gRPC on a unix socket instead of a port (local use)
  --http-port N          /healthz, /readyz and /metrics port (default 31766)
  --http-host ADDR       HTTP bind address (default all interfaces)
  --containerd-socket P  containerd's CRI socket (default ${defaultRuntimeSocketPaths.containerd})
  --crio-socket P        CRI-O's socket (default ${defaultRuntimeSocketPaths.crio})
  --docker-socket P      Docker Engine's socket (default ${defaultRuntimeSocketPaths.docker})
                         When none of these exists, the daemon asks the node's kubelet (through /proc, with
                         hostPID) which runtime socket it uses, and reaches it through the kubelet's root.
  --node-name NAME       this node's name, to pick its kubelet when several run on one host
  --kubelet-path P       the kubelet's executable on the node (e.g. /usr/bin/kubelet): only that process is
                         asked (default: an executable named kubelet in the node init's mount namespace)
  --tls-cert F --tls-key F --tls-ca F
                         mutual TLS: the daemon's certificate and key, and the CA client certificates must chain to
  --tls-client-name N[,N]
                         with mutual TLS, the only client identities served: a client certificate must carry one as
                         its subject CN or a DNS/URI subjectAltName; others get PermissionDenied (default faultline-manager)
  --log-level L          error|warn|info|debug (default info)
  --log-format F         text|json (default text)
  --nsenter-path P       nsenter binary (default nsenter from PATH)
  --exec-timeout-ms N    timeout of each process run in a container's namespaces (default 10000)
  --spawn-helper P|off   the faultline-spawn binary that starts those processes: a small process whose fork costs
                         a tenth of the daemon's (default: the one the image ships beside the daemon's code, and
                         Node's child_process when it is not there; off: always Node's child_process)
  --pid-cache-warm-ms N  every N ms, list the runtime's running containers and look up the init pid of each new
                         one, so a kill or an injection finds it without a runtime round trip (default 2000; 0: off)
  --injection-lease-seconds N
                         a stressor the manager has not renewed for this long is stopped (default 300)`;

const options = {
  "grpc-port": { type: "string" },
  "grpc-host": { type: "string" },
  "grpc-socket": { type: "string" },
  "http-port": { type: "string" },
  "http-host": { type: "string" },
  "containerd-socket": { type: "string" },
  "crio-socket": { type: "string" },
  "docker-socket": { type: "string" },
  "node-name": { type: "string" },
  "kubelet-path": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "tls-ca": { type: "string" },
  "tls-client-name": { type: "string" },
  "log-level": { type: "string" },
  "log-format": { type: "string" },
  "nsenter-path": { type: "string" },
  "exec-timeout-ms": { type: "string" },
  "spawn-helper": { type: "string" },
  "pid-cache-warm-ms": { type: "string" },
  "injection-lease-seconds": { type: "string" },
  help: { type: "boolean" },
} as const;

type OptionName = Exclude<keyof typeof options, "help">;

function kubeletPath(path: string): string {
  if (!path.startsWith("/") || path.split("/").includes("..")) {
    throw new DaemonConfigError(`--kubelet-path must be an absolute path without '..', got ${JSON.stringify(path)}`);
  }
  return path;
}

/**
 * Reads the daemon's configuration from command-line flags, falling back to FAULTLINE_DAEMON_*
 * environment variables, then to defaults. Throws a {@link DaemonConfigError} naming the option.
 * Returns "help" when --help was asked for.
 */
export function parseDaemonConfig(argv: string[], env: NodeJS.ProcessEnv): DaemonConfig | "help" {
  let values: Partial<Record<OptionName, string>> & { help?: boolean };
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new DaemonConfigError(`${(err as Error).message}\n${daemonUsage}`);
  }
  if (values.help) return "help";
  const get = (name: OptionName): string | undefined =>
    values[name] ?? env[`FAULTLINE_DAEMON_${name.toUpperCase().replaceAll("-", "_")}`];
  const port = (name: OptionName, fallback: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n > 65535) throw new DaemonConfigError(`--${name} must be a port number (0-65535), got ${JSON.stringify(raw)}`);
    return n;
  };
  const oneOf = <T extends string>(name: OptionName, allowed: readonly T[], fallback: T): T => {
    const raw = get(name) ?? fallback;
    if (!allowed.includes(raw as T)) throw new DaemonConfigError(`--${name} must be one of ${allowed.join(", ")}, got ${JSON.stringify(raw)}`);
    return raw as T;
  };

  const grpcSocket = get("grpc-socket");
  if (grpcSocket !== undefined && (get("grpc-port") !== undefined || get("grpc-host") !== undefined)) {
    throw new DaemonConfigError("--grpc-socket and --grpc-port/--grpc-host exclude each other");
  }
  const grpcHost = get("grpc-host");
  const grpc: DaemonListenAddress =
    grpcSocket !== undefined
      ? { socketPath: grpcSocket }
      : { port: port("grpc-port", 31767), ...(grpcHost !== undefined && { host: grpcHost }) };
  const httpHost = get("http-host");

  const tlsFiles = { certFile: get("tls-cert"), keyFile: get("tls-key"), caFile: get("tls-ca") };
  const given = Object.values(tlsFiles).filter((v) => v !== undefined).length;
  if (given !== 0 && given !== 3) {
    throw new DaemonConfigError("mutual TLS needs all of --tls-cert, --tls-key and --tls-ca (or none of them)");
  }

  const clientNamesRaw = get("tls-client-name") ?? "faultline-manager";
  const clientNames = clientNamesRaw.split(",").map((n) => n.trim());
  if (clientNames.some((n) => n === "")) {
    throw new DaemonConfigError(`--tls-client-name must be one name or a comma-separated list of names, got ${JSON.stringify(clientNamesRaw)}`);
  }
  if (given === 0 && get("tls-client-name") !== undefined) {
    throw new DaemonConfigError("--tls-client-name needs mutual TLS (--tls-cert, --tls-key and --tls-ca)");
  }

  const execTimeout = get("exec-timeout-ms") ?? "10000";
  if (!/^\d+$/.test(execTimeout) || Number(execTimeout) < 1) {
    throw new DaemonConfigError(`--exec-timeout-ms must be a positive integer, got ${JSON.stringify(execTimeout)}`);
  }

  const spawnHelper = get("spawn-helper");
  if (spawnHelper !== undefined && spawnHelper !== "off" && !spawnHelper.startsWith("/")) {
    throw new DaemonConfigError(`--spawn-helper must be an absolute path or off, got ${JSON.stringify(spawnHelper)}`);
  }

  const warm = get("pid-cache-warm-ms") ?? "2000";
  if (!/^\d+$/.test(warm) || Number(warm) > 3_600_000) {
    throw new DaemonConfigError(`--pid-cache-warm-ms must be 0 (off) or an integer of milliseconds up to 3600000, got ${JSON.stringify(warm)}`);
  }

  const lease = get("injection-lease-seconds") ?? "300";
  if (!/^\d+$/.test(lease) || Number(lease) < 1 || Number(lease) > 604_800) {
    throw new DaemonConfigError(`--injection-lease-seconds must be an integer from 1 to 604800, got ${JSON.stringify(lease)}`);
  }

  return {
    grpc,
    http: { port: port("http-port", 31766), ...(httpHost !== undefined && { host: httpHost }) },
    sockets: {
      containerd: get("containerd-socket") ?? defaultRuntimeSocketPaths.containerd,
      crio: get("crio-socket") ?? defaultRuntimeSocketPaths.crio,
      docker: get("docker-socket") ?? defaultRuntimeSocketPaths.docker,
    },
    ...(given === 3 && { tls: { ...(tlsFiles as { certFile: string; keyFile: string; caFile: string }), clientNames } }),
    logLevel: oneOf("log-level", ["error", "warn", "info", "debug"], "info"),
    logFormat: oneOf("log-format", ["text", "json"], "text"),
    nsenterPath: get("nsenter-path") ?? "nsenter",
    execTimeoutMs: Number(execTimeout),
    ...(spawnHelper !== undefined && { spawnHelper }),
    pidCacheWarmMs: Number(warm),
    injectionLeaseSeconds: Number(lease),
    ...(get("node-name") && { nodeName: get("node-name") }),
    ...(get("kubelet-path") && { kubeletPath: kubeletPath(get("kubelet-path")!) }),
  };
}
