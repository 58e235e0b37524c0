// Each node's daemon (#/nodes), from the manager's faultline-status ConfigMap.
export function NodesPage(props: { faultlineNamespace: string }) {
  return (
    <main>
      <h1>Nodes</h1>
      <p>{props.faultlineNamespace}</p>
    </main>
  );
}
