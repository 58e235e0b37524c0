// One Workflow's graph (#/workflows/<namespace>/<name>).
export function WorkflowPage(props: { namespace: string; name: string }) {
  return (
    <main>
      <h1>
        Workflow {props.namespace}/{props.name}
      </h1>
    </main>
  );
}
