// Sign-in of token mode: a bearer token, kept in sessionStorage for this tab, checked against the
// API server (through the dashboard's server) before the dashboard opens.
import { useState } from "react";
import { kubeRequest, tokenKey } from "../kube/kube-client.js";
import { KubeError } from "../kube/kube-error.js";
import { storeToken } from "../kube/session.js";

export function SignInPage(props: { message?: string; onSignedIn: () => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setError(undefined);
    setBusy(true);
    try {
      storeToken(sessionStorage, token);
      // any authenticated user may read discovery: a 401 here means the token is not accepted
      await kubeRequest("GET", "apis/chaos-mesh.org/v1alpha1");
      props.onSignedIn();
    } catch (err) {
      if (err instanceof KubeError && err.code === 401) sessionStorage.removeItem(tokenKey);
      setError(err instanceof KubeError && err.code === 401 ? `The API server did not accept this token: ${err.message}` : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <h1>Sign in</h1>
      <p>The dashboard acts with your own rights: paste a bearer token the cluster accepts (for example from <code>kubectl create token &lt;serviceaccount&gt;</code>, or your OIDC id token). It is kept in this tab only.</p>
      {props.message && (
        <p className="note note-error" role="alert">
          {props.message}
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label htmlFor="token">Bearer token</label>
        <input id="token" name="token" type="password" autoComplete="off" spellCheck={false} value={token} onChange={(e) => setToken(e.target.value)} required />
        {error && (
          <p className="note note-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}

/** Kubeconfig mode without the session secret: the way in is the address the server printed. */
export function SessionNeededPage(props: { message?: string }) {
  return (
    <main className="sign-in">
      <h1>Open the dashboard from its address</h1>
      <p>
        This dashboard uses the kubeconfig of the person who started it. Open the address it printed when it started (<code>Faultline dashboard: http://127.0.0.1:7070/?session=…</code>); the session
        secret in it proves the request comes from them.
      </p>
      {props.message && (
        <p className="note note-error" role="alert">
          {props.message}
        </p>
      )}
    </main>
  );
}
