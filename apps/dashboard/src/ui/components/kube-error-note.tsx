// How a failed request is shown: a refusal (403) as "You cannot <verb> <resource> in namespace <ns>"
// (data-testid permission-error), anything else with the API server's own message.
import { KubeError, permissionText } from "../kube/kube-error.js";

export function KubeErrorNote(props: { error: unknown; context?: string }) {
  const { error, context } = props;
  if (error instanceof KubeError && error.forbidden) {
    return (
      <p className="note note-error" role="alert" data-testid="permission-error">
        {permissionText(error)}
        {context ? ` (${context})` : ""}.
      </p>
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return (
    <p className="note note-error" role="alert">
      {context ? `${context}: ` : ""}
      {message}
    </p>
  );
}
