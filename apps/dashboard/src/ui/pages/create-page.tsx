// Create an experiment (#/create): kind, namespace, name and a form generated from the kind's schema.
export function CreatePage() {
  return (
    <main>
      <h1>Create an experiment</h1>
    </main>
  );
}
