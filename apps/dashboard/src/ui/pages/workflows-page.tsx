// The Workflows list (#/workflows).
export function WorkflowsPage() {
  return (
    <main>
      <h1>Workflows</h1>
    </main>
  );
}
