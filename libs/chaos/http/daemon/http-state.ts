import type { PodProcess } from "../../pod-netns-process/pod-process.js";
import { PodStateDir, defaultPodStateDir } from "../../pod-netns-process/pod-state-dir.js";
import type { HttpRecord, HttpTls } from "./http-request-validation.js";

/** One proxy listener: the pod's server port whose incoming traffic it takes, and its own port. */
export interface HttpListenerState {
  serverPort: number;
  proxyPort: number;
}

/** What the daemon keeps about one pod's HTTP chaos, in `<stateDir>/pods/netns-<inode>/state.json`. */
export interface PodHttpState {
  /** The pod's network namespace (the key of this state). */
  netns: { dev: number; ino: number };
  /** The records in force, in the order they were first applied (the proxy meets rules in this order). */
  records: HttpRecord[];
  /** The proxy's listeners, one per distinct rule port; a server port keeps its proxy port while a rule uses it. */
  listeners: HttpListenerState[];
  /** The running proxy, once started. */
  proxy?: PodProcess;
  /** The server ports whose redirect (nat PREROUTING → the proxy port) is installed. */
  redirected: number[];
}

/** The proxy's config file: `{ listeners: [{ port, serverPort }], rules: [rule + recordKey], tls }`. */
export interface HttpProxyConfig {
  listeners: { port: number; serverPort: number }[];
  rules: { [field: string]: unknown; recordKey: string }[];
  tls: HttpTls | null;
}

/** The proxy's config for a pod's state: every record's rules in record order, each tagged with its record key; the pod's TLS (see {@link podTls}). */
export function proxyConfig(state: Pick<PodHttpState, "records" | "listeners">): HttpProxyConfig {
  return {
    listeners: state.listeners.map((l) => ({ port: l.proxyPort, serverPort: l.serverPort })),
    rules: state.records.flatMap((r) => r.rules.map((rule) => ({ ...rule, recordKey: r.recordKey }))),
    tls: podTls(state.records) ?? null,
  };
}

/** The pod's TLS material: the first record's that has one (every record with one must carry the same: ExecHTTPChaos refuses another). */
export function podTls(records: readonly HttpRecord[]): HttpTls | undefined {
  return records.find((r) => r.tls !== undefined)?.tls;
}

/** The distinct rule ports of the records, in the order first used. */
export function rulePorts(records: readonly HttpRecord[]): number[] {
  const ports: number[] = [];
  for (const r of records) for (const rule of r.rules) if (!ports.includes(rule.port)) ports.push(rule.port);
  return ports;
}

/** The lowest port the proxy may listen on; then upward. */
export const proxyPortBase = 15080;

/**
 * The listeners for `ports`: a server port already listened for keeps its proxy port; a new one
 * gets the lowest port from {@link proxyPortBase} up that is no other listener's, no rule's server
 * port, and nothing in the pod listens on (`busy`: the namespace's listening TCP ports).
 */
export function assignListeners(ports: readonly number[], current: readonly HttpListenerState[], busy: ReadonlySet<number>): HttpListenerState[] {
  const out: HttpListenerState[] = [];
  for (const serverPort of ports) {
    const have = current.find((l) => l.serverPort === serverPort);
    if (have !== undefined) {
      out.push(have);
      continue;
    }
    const taken = (p: number) => out.some((l) => l.proxyPort === p) || current.some((l) => l.proxyPort === p && ports.includes(l.serverPort)) || ports.includes(p) || busy.has(p);
    let p = proxyPortBase;
    while (taken(p)) p++;
    if (p > 65535) throw new Error("no free port for the HTTP proxy in the pod");
    out.push({ serverPort, proxyPort: p });
  }
  return out;
}

/**
 * Where HTTP chaos state is kept unless told: `$FAULTLINE_HTTP_STATE_DIR`, else the node's
 * `/run/faultline/http` (see `defaultPodStateDir`).
 */
export function defaultHttpStateDir(procRoot: string): string {
  return defaultPodStateDir(procRoot, "http", "FAULTLINE_HTTP_STATE_DIR");
}

/** The state directory's layout: `pods/netns-<inode>/{state.json,config.json,proxy.log}`. */
export class HttpStateDir extends PodStateDir<PodHttpState> {
  /**
   * Writes the proxy's config (0600, owned by the proxy's uid and gid: it holds the TLS key) then
   * the pod's state (0600), each renamed into place.
   */
  write(key: string, state: PodHttpState, proxyOwner: { uid: number; gid: number }): void {
    this.writeWith(key, state, [{ name: "config.json", text: `${JSON.stringify(proxyConfig(state))}\n`, mode: 0o600, owner: proxyOwner }]);
  }
}
