// Every experiment of every chaos kind (#/experiments), live.
export function ExperimentsPage(_props: { query: URLSearchParams }) {
  return (
    <main>
      <h1>Experiments</h1>
    </main>
  );
}
