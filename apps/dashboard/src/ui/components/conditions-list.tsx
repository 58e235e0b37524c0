// An object's conditions: type, status and reason as text (data-testid condition), the message beside.
import type { ChaosCondition } from "@faultline/api";
import type { WorkflowCondition } from "@faultline/workflow/types";

/** A chaos object's or a Workflow's conditions (a Workflow's have no message). */
type AnyCondition = ChaosCondition | (WorkflowCondition & { message?: undefined });

export function ConditionsList(props: { conditions: readonly AnyCondition[]; messages?: boolean }) {
  if (props.conditions.length === 0) return <span className="muted">none yet</span>;
  return (
    <ul className="conditions">
      {props.conditions.map((c) => (
        <li key={c.type} data-testid="condition" data-type={c.type} data-status={c.status}>
          <span className={`badge badge-cond-${c.status.toLowerCase()}`}>
            {c.type} {c.status}
          </span>
          {c.reason ? <> {c.reason}</> : null}
          {props.messages && c.message ? <span className="muted">: {c.message}</span> : null}
        </li>
      ))}
    </ul>
  );
}
