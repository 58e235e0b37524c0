// A modal confirmation (the native <dialog>: focus moves into it, Escape cancels, the page behind
// is inert; focus starts on Cancel, the safe choice). The confirm button carries the action's own name ("Delete", "Stop all experiments").
import { useEffect, useRef, type ReactNode } from "react";
import { KubeErrorNote } from "./kube-error-note.js";

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  busy?: boolean;
  error?: unknown;
  danger?: boolean;
  children?: ReactNode;
}

export function ConfirmDialog(props: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby="confirm-title"
      onCancel={(e) => {
        e.preventDefault();
        props.onCancel();
      }}
    >
      {props.open && (
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            props.onConfirm();
          }}
        >
          <h2 id="confirm-title">{props.title}</h2>
          {props.children}
          {props.error !== undefined && <KubeErrorNote error={props.error} />}
          <div className="actions">
            <button type="button" onClick={props.onCancel} disabled={props.busy}>
              Cancel
            </button>
            <button type="submit" className={props.danger ? "danger" : "primary"} disabled={props.busy}>
              {props.confirmLabel}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
