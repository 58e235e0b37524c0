import { defaultBlastRadiusLimits } from "@faultline/records";
import { createDestinationPolicy, defaultRefusedDestinations } from "@faultline/status-check";
import { parseArgs } from "node:util";

/** Everything the manager is configured with, after validation. */
export interface ManagerConfig {
  /** A kubeconfig file; in-cluster configuration when absent. */
  kubeconfig?: string;
  /** The namespace of the manager's Lease and of the daemons' headless Service. */
  namespace: string;
  /** The headless Service whose EndpointSlices locate the daemons. */
  daemonService: string;
  /** A static daemon address for every node (`host:port` or `unix:/path`), for local runs. */
  daemonAddress?: string;
  tls?: { certFile: string; keyFile: string; caFile: string };
  /** Records applied or recovered at once, per experiment. */
  parallelism: number;
  /** Reconciles running at once. */
  workers: number;
  qps: number;
  burst: number;
  /** The client rate limit while the kill switch is engaged and records are still being recovered. */
  killSwitchQps: number;
  killSwitchBurst: number;
  leaderElect: boolean;
  leaseName: string;
  /** The Deployment made the Lease's owner, in `namespace`. */
  leaseOwnerDeployment?: string;
  /** Only namespaces annotated chaos-mesh.org/inject=enabled may be targeted. */
  namespaceFilter: boolean;
  /** Namespaces no experiment may target, whatever its selector says. */
  protectedNamespaces: readonly string[];
  /** Blast radius: above this many records an experiment is refused unless it has the override annotation. */
  maxRecords: number;
  /** Blast radius: above this percent of a namespace's pods an experiment is refused (100: no limit). */
  maxNamespacePercent: number;
  httpPort: number;
  httpHost?: string;
  resyncSeconds: number;
  /** How often (and on start) the leader sweeps injections whose experiment no longer holds them; 0: only when asked (the status ConfigMap's sweep-requested annotation). */
  sweepIntervalSeconds: number;
  /** How often the leader writes ConfigMap faultline-status (and when its refresh-requested annotation changes); 0: only when asked. */
  statusIntervalSeconds: number;
  logLevel: string;
  logFormat: "text" | "json";
  /** Settings chaos kinds read (`--kind-setting PodChaos.pauseImage=...`), by name. */
  kindSettings: { [name: string]: string };
  /** Addresses no StatusCheck probes (CIDR ranges); default the cloud metadata ranges. */
  statusCheckRefusedDestinations: readonly string[];
}

/** A configuration problem, worded for the person starting the manager. */
export class ManagerConfigError extends Error {
  override name = "ManagerConfigError";
}

export const managerUsage = `Usage: faultline-manager [options]   (each option can also be set as FAULTLINE_MANAGER_<NAME>)
  --kubeconfig FILE        kubeconfig to use (default: in-cluster configuration, else $KUBECONFIG)
  --namespace NS           namespace of the leader Lease and the daemon Service (default chaos-mesh)
  --daemon-service NAME    headless Service of the daemons (default chaos-daemon)
  --daemon-address ADDR    reach every node's daemon at host:port or unix:/path (local runs)
  --tls-cert F --tls-key F --tls-ca F
                           mutual TLS towards the daemons (server name chaos-daemon.chaos-mesh.org)
  --parallelism N          records applied or recovered at once per experiment (default 8)
  --workers N              objects of each kind (and of each controller) reconciled at once (default 4)
  --qps N --burst N        Kubernetes client rate limit (default 30 / 50)
  --kill-switch-qps N --kill-switch-burst N
                           the same limit while the kill switch is engaged until every record is recovered
                           (default 300 / 600); then --qps / --burst again
  --leader-elect BOOL      Lease leader election, for more than one replica (default true)
  --lease-name NAME        (default faultline-manager)
  --lease-owner-deployment NAME
                           the manager's Deployment in --namespace, made the Lease's owner so that deleting
                           the Deployment (helm uninstall) deletes the Lease too
  --namespace-filter BOOL  only namespaces annotated chaos-mesh.org/inject=enabled (default false)
  --protected-namespaces NS,...
                           namespaces no experiment may target, whatever its selector says (default none;
                           the chart protects kube-system and its own namespace)
  --max-records N          blast radius: an experiment selecting more records is refused (Selected=False,
                           BlastRadiusExceeded) unless annotated faultline.chaos-mesh.org/blast-radius-override=true
                           (default 1000)
  --max-namespace-percent N
                           blast radius: the same above N% of a namespace's pods (1-100; default 100: no limit)
  --http-port N            /healthz, /readyz, /metrics (default 10080)
  --http-host ADDR         (default all interfaces)
  --resync-seconds N       periodic resync of every experiment (default 300)
  --sweep-interval-seconds N
                           how often (and on start) injections whose experiment is gone are removed (default 60;
                           0: never automatically, only when faultline recover --orphans asks)
  --status-interval-seconds N
                           how often the leader writes ConfigMap faultline-status (doctor, orphans) in --namespace
                           (default 30; 0: only on becoming leader and when its refresh annotation changes)
  --log-level L            error|warn|info|debug (default info)
  --log-format F           text|json (default text)
  --kind-setting NAME=VALUE
                           a setting a chaos kind reads, repeatable (env: comma-separated), e.g.
                           PodChaos.pauseImage=registry.k8s.io/pause:3.6 (pod-failure's image)
  --status-check-refused-destinations CIDR,...
                           addresses no StatusCheck may probe (default ${defaultRefusedDestinations.join(",")}:
                           the cloud metadata addresses); "" refuses none`;

const names = [
  "kubeconfig", "namespace", "daemon-service", "daemon-address", "tls-cert", "tls-key", "tls-ca",
  "parallelism", "workers", "qps", "burst", "kill-switch-qps", "kill-switch-burst", "leader-elect", "lease-name", "lease-owner-deployment", "namespace-filter", "protected-namespaces",
  "max-records", "max-namespace-percent",
  "http-port", "http-host", "resync-seconds", "sweep-interval-seconds", "status-interval-seconds", "log-level", "log-format", "status-check-refused-destinations",
] as const;
type Name = (typeof names)[number];

/**
 * Reads the manager's configuration from flags, falling back to FAULTLINE_MANAGER_* environment
 * variables, then defaults. Throws a {@link ManagerConfigError} naming the option. Returns "help"
 * for --help.
 */
export function parseManagerConfig(argv: string[], env: NodeJS.ProcessEnv): ManagerConfig | "help" {
  const options = Object.fromEntries([
    ...names.map((n) => [n, { type: "string" }]),
    ["kind-setting", { type: "string", multiple: true }],
    ["help", { type: "boolean" }],
  ]);
  let values: { [key: string]: string | string[] | boolean | undefined };
  try {
    values = parseArgs({ args: argv, options: options as never, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new ManagerConfigError(`${(err as Error).message}\n${managerUsage}`);
  }
  if (values["help"]) return "help";
  const get = (name: Name): string | undefined =>
    (values[name] as string | undefined) ?? env[`FAULTLINE_MANAGER_${name.toUpperCase().replaceAll("-", "_")}`];
  const int = (name: Name, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) {
      throw new ManagerConfigError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return n;
  };
  const bool = (name: Name, fallback: boolean): boolean => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    if (raw !== "true" && raw !== "false") throw new ManagerConfigError(`--${name} must be true or false, got ${JSON.stringify(raw)}`);
    return raw === "true";
  };
  const tlsFiles = { certFile: get("tls-cert"), keyFile: get("tls-key"), caFile: get("tls-ca") };
  const given = Object.values(tlsFiles).filter((v) => v !== undefined).length;
  if (given !== 0 && given !== 3) {
    throw new ManagerConfigError("mutual TLS needs all of --tls-cert, --tls-key and --tls-ca (or none of them)");
  }
  const logFormat = get("log-format") ?? "text";
  if (logFormat !== "text" && logFormat !== "json") {
    throw new ManagerConfigError(`--log-format must be text or json, got ${JSON.stringify(logFormat)}`);
  }
  const logLevel = get("log-level") ?? "info";
  if (!["error", "warn", "info", "debug"].includes(logLevel)) {
    throw new ManagerConfigError(`--log-level must be error, warn, info or debug, got ${JSON.stringify(logLevel)}`);
  }
  const kindSettings: { [name: string]: string } = {};
  const settingArgs = (values["kind-setting"] as string[] | undefined) ?? env["FAULTLINE_MANAGER_KIND_SETTINGS"]?.split(",").filter(Boolean) ?? [];
  for (const setting of settingArgs) {
    const match = /^([A-Za-z][A-Za-z0-9]*\.[A-Za-z][A-Za-z0-9-]*)=(.*)$/s.exec(setting);
    if (!match) throw new ManagerConfigError(`--kind-setting must be Kind.name=value (e.g. PodChaos.pauseImage=registry.k8s.io/pause:3.6), got ${JSON.stringify(setting)}`);
    kindSettings[match[1]!] = match[2]!;
  }
  const refused = get("status-check-refused-destinations");
  const statusCheckRefusedDestinations = refused === undefined ? defaultRefusedDestinations : refused.split(",").map((r) => r.trim()).filter(Boolean);
  try {
    createDestinationPolicy(statusCheckRefusedDestinations);
  } catch (error) {
    throw new ManagerConfigError(`--status-check-refused-destinations: ${(error as Error).message}`);
  }
  const protectedNamespaces = [...new Set((get("protected-namespaces") ?? "").split(",").map((n) => n.trim()).filter(Boolean))];
  for (const namespace of protectedNamespaces) {
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
      throw new ManagerConfigError(`--protected-namespaces: ${JSON.stringify(namespace)} is not a namespace name (lowercase letters, digits and '-', at most 63)`);
    }
  }
  const kubeconfig = get("kubeconfig");
  const daemonAddress = get("daemon-address");
  const httpHost = get("http-host");
  return {
    ...(kubeconfig !== undefined && { kubeconfig }),
    namespace: get("namespace") ?? "chaos-mesh",
    daemonService: get("daemon-service") ?? "chaos-daemon",
    ...(daemonAddress !== undefined && { daemonAddress }),
    ...(given === 3 && { tls: tlsFiles as { certFile: string; keyFile: string; caFile: string } }),
    parallelism: int("parallelism", 8, 1, 1024),
    workers: int("workers", 4, 1, 256),
    qps: int("qps", 30, 1),
    burst: int("burst", 50, 1),
    killSwitchQps: int("kill-switch-qps", 300, 1),
    killSwitchBurst: int("kill-switch-burst", 600, 1),
    leaderElect: bool("leader-elect", true),
    leaseName: get("lease-name") ?? "faultline-manager",
    ...(get("lease-owner-deployment") && { leaseOwnerDeployment: get("lease-owner-deployment") }),
    namespaceFilter: bool("namespace-filter", false),
    protectedNamespaces,
    maxRecords: int("max-records", defaultBlastRadiusLimits.maxRecords, 1),
    maxNamespacePercent: int("max-namespace-percent", defaultBlastRadiusLimits.maxNamespacePercent, 1, 100),
    httpPort: int("http-port", 10080, 0, 65535),
    ...(httpHost !== undefined && { httpHost }),
    resyncSeconds: int("resync-seconds", 300, 1),
    sweepIntervalSeconds: int("sweep-interval-seconds", 60, 0, 86_400),
    statusIntervalSeconds: int("status-interval-seconds", 30, 0, 86_400),
    logLevel,
    logFormat,
    kindSettings,
    statusCheckRefusedDestinations,
  };
}
