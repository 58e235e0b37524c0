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
  // what the open dialog does (true: engage), fixed when it opens: the switch's own watch may flip
  // it while the request is on its way, and the dialog must not turn into the opposite action
  const [engage, setEngage] = useState<boolean>();
  const open = engage !== undefined;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [reason, setReason] = useState("");
  const view = killSwitchView(live.object);
  const unknown = live.error !== undefined && !live.synced;

  const act = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const user = engage ? await whoAmI() : undefined;
      const request = killSwitchRequest(live.object, engage === true, reason, user);
      await kubeRequest(request.method, request.path, { body: request.body, contentType: request.contentType });
      setEngage(undefined);
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
      <button type="button" className={view.engaged ? "primary" : "danger"} onClick={() => (setError(undefined), setEngage(!view.engaged))}>
        {view.action}
      </button>
      <ConfirmDialog
        open={open}
        title={engage ? "Stop all experiments?" : "Resume all experiments?"}
        confirmLabel={engage ? "Stop all experiments" : "Resume all experiments"}
        danger={engage === true}
        busy={busy}
        error={error}
        onCancel={() => setEngage(undefined)}
        onConfirm={() => void act()}
      >
        {!engage ? (
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
