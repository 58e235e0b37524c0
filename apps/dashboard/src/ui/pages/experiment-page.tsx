// One experiment (#/experiments/<ns>/<plural>/<name>).
export function ExperimentPage(props: { namespace: string; plural: string; name: string }) {
  return (
    <main>
      <h1>
        {props.namespace}/{props.name}
      </h1>
    </main>
  );
}
