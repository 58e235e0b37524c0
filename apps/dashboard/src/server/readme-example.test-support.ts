import { startDashboardServer } from "@faultline/dashboard";

/** Serves the dashboard with a kubeconfig on a free port and lists namespaces through it, as the UI does. */
export async function namespacesThroughTheDashboard(kubeconfig: string): Promise<string[]> {
  const dashboard = await startDashboardServer({ kubeconfig, port: 0 });
  try {
    // every Kubernetes request of the UI: api/kube/<path>, with the session secret of this start
    const res = await fetch(new URL("api/kube/api/v1/namespaces", dashboard.url), {
      headers: { "X-Faultline-Session": dashboard.session! },
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
    const list = (await res.json()) as { items: { metadata: { name: string } }[] };
    return list.items.map((namespace) => namespace.metadata.name);
  } finally {
    await dashboard.close();
  }
}
