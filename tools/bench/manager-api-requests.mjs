// Benchmark support: the API requests a manager made so far, from its /metrics.

/** The sum of rest_client_requests_total over every method, read from the manager's /metrics. */
export async function managerApiRequests(port) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return [...text.matchAll(/^rest_client_requests_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}
