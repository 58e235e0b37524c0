// The header's kill switch: its state as text, and "Stop all experiments" / "Resume all
// experiments" behind a confirmation. A refusal (no right to create or patch killswitches) is shown
// in the dialog as the permission error.
import { useState } from "react";
import { killSwitchName, type KillSwitch } from "@faultline/api";
import { ConfirmDialog } from "../components/confirm-dialog.js";
import { kubeRequest } from "../kube/kube-client.js";
import { permissionText, KubeError } from "../kube/kube-error.js";
import { useKubeObject } from "../kube/use-kube.js";
import { killSwitchesPath, killSwitchRequest, killSwitchView } from "./kill-switch.js";

/** The user's name (a SelfSubjectReview), for the switch's engagedBy; undefined when the cluster does not say. */
async function whoAmI(): Promise<string | undefined> {
  try {
    const review = await kubeRequest<{ status?: { userInfo?: { username?: string } } }>("POST", "apis/authentication.k8s.io/v1/selfsubjectreviews", {
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    });
    return review?.status?.userInfo?.username || undefined;
  } catch {
    return undefined;
  }
}

export function KillSwitchControl() {
  const live = useKubeObject<KillSwitch & { metadata: { name: string } }>(killSwitchesPath, killSwitchName);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [reason, setReason] = useState("");
  const view = killSwitchView(live.object);
  const unknown = live.error !== undefined && !live.synced;

  const act = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const user = view.engaged ? undefined : await whoAmI();
      const request = killSwitchRequest(live.object, !view.engaged, reason, user);
      await kubeRequest(request.method, request.path, { body: request.body, contentType: request.contentType });
      setOpen(false);
      setReason("");
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="kill-switch">
      <span className={`kill-switch-state ${view.engaged ? "engaged" : "off"}`} role="status" aria-live="polite">
        {unknown ? `Kill switch state unknown: ${live.error instanceof KubeError ? permissionText(live.error) : "not readable"}` : live.synced ? view.text : "Kill switch…"}
      </span>
      <button type="button" className={view.engaged ? "primary" : "danger"} onClick={() => (setError(undefined), setOpen(true))}>
        {view.action}
      </button>
      <ConfirmDialog
        open={open}
        title={view.engaged ? "Resume all experiments?" : "Stop all experiments?"}
        confirmLabel={view.action}
        danger={!view.engaged}
        busy={busy}
        error={error}
        onCancel={() => setOpen(false)}
        onConfirm={() => void act()}
      >
        {view.engaged ? (
          <p>The kill switch (killswitch/{killSwitchName}) is disengaged: experiments that were running resume, Schedules and Workflows go on.</p>
        ) : (
          <>
            <p>
              Engages the kill switch (killswitch/{killSwitchName}): the manager recovers every record of every experiment in the cluster, starts nothing new, Schedules do not spawn and
              Workflows wait, until it is resumed.
            </p>
            <label>
              Reason (optional)
              <input type="text" value={reason} maxLength={256} onChange={(e) => setReason(e.target.value)} />
            </label>
          </>
        )}
      </ConfirmDialog>
    </div>
  );
}
