// The plan of an experiment (status.plan, while the plan annotation holds it): what it would do per
// target, as `faultline plan` prints it (the Create page's planView, the CLI's own rendering).
import type { ExperimentPlan } from "@faultline/api";
import { planView } from "../create/plan-view.js";

export function PlanSection(props: { title: string; plan: ExperimentPlan }) {
  const view = planView(props.title, props.plan);
  return (
    <section aria-labelledby="plan-heading">
      <h2 id="plan-heading">Plan (dry run)</h2>
      <p>
        {view.headline}. {view.counts}. Generated {props.plan.generatedAt}.
      </p>
      {view.refusals.map((r) => (
        <p key={r} className="note note-error">
          Refused: {r}
        </p>
      ))}
      {view.targets.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Target</th>
                <th scope="col">Node</th>
                <th scope="col">Capable</th>
                <th scope="col">Steps</th>
              </tr>
            </thead>
            <tbody>
              {view.targets.map((t) => (
                <tr key={t.id}>
                  <td>{t.id}</td>
                  <td>{t.node}</td>
                  <td>{t.capable ? "yes" : `no: ${t.reason ?? ""}`}</td>
                  <td>
                    <details>
                      <summary>
                        {t.steps.length} step{t.steps.length === 1 ? "" : "s"}
                      </summary>
                      <ol>
                        {t.steps.map((s, i) => (
                          <li key={i}>
                            {s.title}
                            {s.commands.map((c, j) => (
                              <pre key={j}>$ {c}</pre>
                            ))}
                            {s.patch !== undefined && <pre>{s.patch}</pre>}
                          </li>
                        ))}
                      </ol>
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {view.truncated ? <p className="muted">… and {view.truncated} more targets (not listed).</p> : null}
        </div>
      )}
    </section>
  );
}
