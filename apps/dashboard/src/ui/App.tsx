// The dashboard's shell: header (cluster, context, the kill switch), the main navigation, and the
// page of the hash route. Token mode without a token (or after a 401) shows sign-in; kubeconfig
// mode without the session secret says how to open the dashboard.
import { Suspense, lazy, useEffect, useState, useSyncExternalStore, type ReactNode } from "react";
import { fetchConfig, onUnauthorized, tokenKey, type DashboardConfig } from "./kube/kube-client.js";
import { storedSession, storedToken } from "./kube/session.js";
import { navSection, parseRoute, type Route } from "./routes.js";
import { KillSwitchControl } from "./shell/kill-switch-control.js";
import { SessionNeededPage, SignInPage } from "./shell/sign-in.js";
import { ExperimentsPage } from "./pages/experiments-page.js";
import { ExperimentPage } from "./pages/experiment-page.js";
import { NodesPage } from "./pages/nodes-page.js";

// the pages with heavy parts (forms from JSON schema, graph layout) load when first shown
const CreatePage = lazy(() => import("./pages/create-page.js").then((m) => ({ default: m.CreatePage })));
const WorkflowsPage = lazy(() => import("./pages/workflows-page.js").then((m) => ({ default: m.WorkflowsPage })));
const WorkflowPage = lazy(() => import("./pages/workflow-page.js").then((m) => ({ default: m.WorkflowPage })));
const SchedulesPage = lazy(() => import("./pages/schedules-page.js").then((m) => ({ default: m.SchedulesPage })));

/** The routes table: the page each hash route shows. */
function pageOf(route: Route, config: DashboardConfig): ReactNode {
  switch (route.page) {
    case "experiments":
      return <ExperimentsPage query={route.query} />;
    case "experiment":
      return <ExperimentPage key={`${route.namespace}/${route.plural}/${route.name}`} namespace={route.namespace} plural={route.plural} name={route.name} />;
    case "create":
      return <CreatePage />;
    case "workflows":
      return <WorkflowsPage />;
    case "workflow":
      return <WorkflowPage key={`${route.namespace}/${route.name}`} namespace={route.namespace} name={route.name} />;
    case "schedules":
      return <SchedulesPage />;
    case "nodes":
      return <NodesPage faultlineNamespace={config.faultlineNamespace} />;
    case "not-found":
      return (
        <main>
          <h1>Not found</h1>
          <p>
            Nothing lives at <code>#{route.path}</code>. <a href="#/experiments">Go to the experiments</a>.
          </p>
        </main>
      );
  }
}

const navLinks = [
  { section: "experiments", href: "#/experiments", label: "Experiments" },
  { section: "workflows", href: "#/workflows", label: "Workflows" },
  { section: "schedules", href: "#/schedules", label: "Schedules" },
  { section: "nodes", href: "#/nodes", label: "Nodes" },
  { section: "create", href: "#/create", label: "Create" },
] as const;

const subscribeHash = (onChange: () => void) => {
  window.addEventListener("hashchange", onChange);
  return () => window.removeEventListener("hashchange", onChange);
};

/** The current hash route, following the address bar. */
export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribeHash, () => window.location.hash);
  return parseRoute(hash);
}

type Access = { state: "open" } | { state: "sign-in"; message?: string } | { state: "session-needed"; message?: string };

function initialAccess(config: DashboardConfig): Access {
  if (config.mode === "token") return storedToken(sessionStorage) ? { state: "open" } : { state: "sign-in" };
  return storedSession(sessionStorage) ? { state: "open" } : { state: "session-needed" };
}

export function App() {
  const [config, setConfig] = useState<DashboardConfig>();
  const [configError, setConfigError] = useState<string>();
  const [access, setAccess] = useState<Access>({ state: "open" });
  const route = useRoute();

  useEffect(() => {
    const controller = new AbortController();
    fetchConfig(controller.signal).then(
      (c) => {
        setConfig(c);
        setAccess(initialAccess(c));
      },
      (err: unknown) => !controller.signal.aborted && setConfigError((err as Error).message),
    );
    return () => controller.abort();
  }, []);

  useEffect(() => {
    if (config === undefined) return;
    return onUnauthorized((error) => {
      if (config.mode === "token") {
        sessionStorage.removeItem(tokenKey);
        // while signing in, the form says why itself
        setAccess((a) => (a.state === "sign-in" ? a : { state: "sign-in", message: `The API server refused your token (it may have expired): ${error.message}. Sign in again.` }));
      } else if (!storedSession(sessionStorage) || /session/i.test(error.message)) {
        // the dashboard's server refused the session secret (none, or one of an earlier start)
        setAccess({ state: "session-needed", message: error.message });
      }
      // else the API server refused the kubeconfig's credentials for one request: that view says so
    });
  }, [config]);

  useEffect(() => {
    const section = navSection(route);
    document.title = section ? `${section[0]!.toUpperCase()}${section.slice(1)} · Faultline` : "Faultline";
  }, [route]);

  if (config === undefined) {
    return (
      <main>
        <h1>Faultline</h1>
        {configError ? (
          <p className="note note-error" role="alert">
            The dashboard's server did not answer api/config: {configError}
          </p>
        ) : (
          <p role="status">Loading…</p>
        )}
      </main>
    );
  }

  const open = access.state === "open";
  const section = navSection(route);
  return (
    <>
      <header className="topbar">
        <a className="brand" href="#/experiments">
          Faultline
        </a>
        <span className="cluster" title={config.cluster}>
          Cluster <code>{config.cluster}</code>
          {config.context ? (
            <>
              {" "}
              · context <code>{config.context}</code>
            </>
          ) : null}
          {config.user ? (
            <>
              {" "}
              · user <code>{config.user}</code>
            </>
          ) : null}
          {config.mode === "token" && open ? " · signed in with a token" : null}
        </span>
        {open && <KillSwitchControl />}
        {open && config.mode === "token" && (
          <button
            type="button"
            onClick={() => {
              sessionStorage.removeItem(tokenKey);
              setAccess({ state: "sign-in" });
            }}
          >
            Sign out
          </button>
        )}
      </header>
      {open && (
        <nav aria-label="Main" className="main-nav">
          <ul>
            {navLinks.map((link) => (
              <li key={link.section}>
                <a href={link.href} aria-current={section === link.section ? "page" : undefined}>
                  {link.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      )}
      {access.state === "sign-in" ? (
        <SignInPage {...(access.message ? { message: access.message } : {})} onSignedIn={() => setAccess({ state: "open" })} />
      ) : access.state === "session-needed" ? (
        <SessionNeededPage {...(access.message ? { message: access.message } : {})} />
      ) : (
        <Suspense
          fallback={
            <main>
              <p role="status">Loading…</p>
            </main>
          }
        >
          {pageOf(route, config)}
        </Suspense>
      )}
      <footer className="footer">Faultline dashboard {config.version}</footer>
    </>
  );
}
