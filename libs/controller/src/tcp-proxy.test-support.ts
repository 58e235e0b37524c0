// A TCP proxy in front of the real API server (TLS passes through untouched), so tests can do to
// a watch connection what a network does: cut it, freeze it (bytes stop, the socket stays open),
// or refuse new connections for a while.
import { KubeConfig } from "@kubernetes/client-node";
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from "node:net";

export class TcpProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<[Socket, Socket]>();
  private refusing = false;
  port = 0;
  /** Connections accepted since it started listening. */
  accepted = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async listen(): Promise<void> {
    this.server = createServer((client) => {
      if (this.refusing) return client.destroy();
      this.accepted++;
      const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      client.pipe(upstream);
      upstream.pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.pairs.delete(pair);
      };
      client.on("error", end).on("close", end);
      upstream.on("error", end).on("close", end);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server!.address() as AddressInfo).port;
  }

  /** A copy of `kubeConfig` whose current cluster is reached through this proxy. */
  kubeConfig(kubeConfig: KubeConfig): KubeConfig {
    const copy = new KubeConfig();
    copy.loadFromString(kubeConfig.exportConfig());
    const current = copy.getCurrentCluster()!;
    const clusters = copy.clusters.map((c) => (c.name === current.name ? { ...c, server: `https://127.0.0.1:${this.port}` } : c));
    copy.loadFromOptions({ clusters, users: copy.users, contexts: copy.contexts, currentContext: copy.currentContext });
    return copy;
  }

  /** Open connections. */
  get connections(): number {
    return this.pairs.size;
  }

  /** Closes every open connection abruptly. */
  cutAll(): void {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  /** Open connections stop carrying bytes (both ways) but stay open; new connections work. */
  freezeAll(): void {
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  /** New connections are closed at once while `refusing` is true. */
  refuse(refusing: boolean): void {
    this.refusing = refusing;
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
