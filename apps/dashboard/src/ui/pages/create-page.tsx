// Create an experiment (#/create): a kind the cluster serves (discovery), a namespace and a name,
// and the kind's spec as a form generated from the schema the API server publishes (OpenAPI v3
// discovery, through RJSF), or as YAML (kept in sync). "Validate" is the API server's own check
// (a dry run: schema and CEL rules run, nothing stored); "Preview targets" is the manager's plan
// (the object created with the plan annotation, status.plan shown as `faultline plan` prints it,
// the object deleted); "Create" creates it and opens its page. Every refusal is named.
import { useEffect, useMemo, useRef, useState, type ComponentType } from "react";
import Form from "@rjsf/core";
import type { IconButtonProps, RJSFSchema, UiSchema } from "@rjsf/utils";
import validator from "@rjsf/validator-ajv8";
import { chaosGroup, chaosVersion, killSwitchResource, type ExperimentPlan } from "@faultline/api";
import { KubeErrorNote } from "../components/kube-error-note.js";
import { KubeError, kubeRequest } from "../kube/kube-client.js";
import { useKubeGet } from "../kube/use-kube.js";
import { chaosResource, collectionPath, groupPath, pathSegment } from "../kube/kube-paths.js";
import type { KubeList } from "../kube/watch-events.js";
import { chaosKindsOf, type DiscoveredResource } from "../create/chaos-kinds.js";
import { FormSchemaError, fromFormData, specFormSchema, specKubeSchema, type OpenApiDocument } from "../create/form-schema.js";
import { buildManifest, currentPlan, experimentRoute, manifestYaml, parseManifestYaml, planObject, statusFieldErrors, type ChaosManifest } from "../create/manifest.js";
import { planView, type PlanView } from "../create/plan-view.js";
import { managerKnowsPlan, planRefusal } from "@faultline/cli/plan-object";
import "../create/create.css";

const group = groupPath(chaosGroup, chaosVersion);
const openApiPath = `openapi/v3/${group}`;
/** How long "Preview targets" waits for the manager's plan. */
const planTimeoutMs = 30_000;

type Spec = { [field: string]: unknown };
type Extra = Pick<ChaosManifest["metadata"], "labels" | "annotations">;

type Outcome =
  | { kind: "valid"; what: string }
  | { kind: "plan"; view: PlanView }
  | { kind: "error"; error: unknown; action: string }
  | { kind: "status"; text: string };

// RJSF's default buttons are icon fonts; these carry their action as text
function textButton(label: string): ComponentType<IconButtonProps> {
  return function TextButton(props: IconButtonProps) {
    const { iconType: _iconType, icon: _icon, uiSchema: _uiSchema, registry: _registry, className, title: _title, ...rest } = props;
    return (
      <button type="button" {...rest} className={`rjsf-text-button ${className ?? ""}`}>
        {label}
      </button>
    );
  };
}
const buttonTemplates = {
  AddButton: textButton("Add"),
  CopyButton: textButton("Copy"),
  MoveDownButton: textButton("Move down"),
  MoveUpButton: textButton("Move up"),
  RemoveButton: textButton("Remove"),
  ClearButton: textButton("Clear"),
};
/** The form's layout: no submit button of its own (the page's buttons act), the spec's required fields first. */
function uiSchemaOf(form: { required?: unknown }): UiSchema {
  const required = Array.isArray(form.required) ? (form.required as string[]) : [];
  return { "ui:submitButtonOptions": { norender: true }, ...(required.length > 0 ? { "ui:order": [...required, "*"] } : {}) };
}

/** A namespace the page may put in a path (typed by the user: "." and ".." are not namespaces). */
const validSegment = (value: string) => value !== "" && value !== "." && value !== "..";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Refuses to plan on a cluster whose manager predates the plan annotation: `faultline plan`'s own rule and words (managerKnowsPlan, planRefusal). */
async function assertManagerKnowsPlan(): Promise<void> {
  let discovery: { resources?: { name?: string }[] } | undefined;
  try {
    discovery = await kubeRequest<{ resources?: { name?: string }[] }>("GET", groupPath(killSwitchResource.group, killSwitchResource.version));
  } catch (err) {
    if (!(err instanceof KubeError && err.code === 404)) throw err;
  }
  if (!managerKnowsPlan(discovery)) throw new Error(planRefusal());
}

function FieldErrors(props: { error: unknown }) {
  const causes = props.error instanceof KubeError ? statusFieldErrors(props.error.status) : [];
  if (causes.length === 0) return null;
  return (
    <ul className="field-errors" data-testid="field-errors">
      {causes.map((c, i) => (
        <li key={i}>
          {c.field ? <code>{c.field}</code> : null}
          {c.field ? ": " : ""}
          {c.message}
        </li>
      ))}
    </ul>
  );
}

function PlanResult(props: { view: PlanView }) {
  const { view } = props;
  return (
    <section aria-labelledby="plan-title" data-testid="plan">
      <h2 id="plan-title">Targets</h2>
      <p>
        {view.headline}. {view.counts}.
      </p>
      {view.refusals.length > 0 && (
        <ul className="note note-error">
          {view.refusals.map((r) => (
            <li key={r}>Refused: {r}</li>
          ))}
        </ul>
      )}
      {view.targets.length === 0 ? (
        <p>No target matches the selector.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Pod</th>
                <th scope="col">Container</th>
                <th scope="col">Node</th>
                <th scope="col">Capable</th>
                <th scope="col">What would be done</th>
              </tr>
            </thead>
            <tbody>
              {view.targets.map((t) => (
                <tr key={t.id} data-testid="plan-target" data-target={t.id}>
                  <td>
                    <code>{t.pod}</code>
                  </td>
                  <td>{t.container ? <code>{t.container}</code> : "-"}</td>
                  <td>{t.node}</td>
                  <td>{t.capable ? "yes" : `no: ${t.reason ?? ""}`}</td>
                  <td>
                    <ol className="plan-steps">
                      {t.steps.map((s, i) => (
                        <li key={i}>
                          {s.title}
                          {s.commands.map((c, j) => (
                            <pre key={j} className="plan-command">
                              $ {c}
                            </pre>
                          ))}
                          {s.patch && <pre className="plan-command">{s.patch}</pre>}
                        </li>
                      ))}
                    </ol>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {view.truncated ? <p>… and {view.truncated} more targets (not listed).</p> : null}
      <details>
        <summary>As <code>faultline plan</code> prints it</summary>
        <pre className="plan-text">{view.text}</pre>
      </details>
    </section>
  );
}

export function CreatePage() {
  const discovery = useKubeGet<{ resources?: DiscoveredResource[] }>(group);
  const openApi = useKubeGet<OpenApiDocument>(openApiPath);
  const namespaces = useKubeGet<KubeList<{ metadata: { name: string } }>>("api/v1/namespaces");
  const kinds = useMemo(() => (discovery.value ? chaosKindsOf(discovery.value) : []), [discovery.value]);

  const [kind, setKind] = useState("");
  const [namespace, setNamespace] = useState("default");
  const [name, setName] = useState("");
  const [spec, setSpec] = useState<Spec>({});
  const [extra, setExtra] = useState<Extra>({});
  const [tab, setTab] = useState<"form" | "yaml">("form");
  const [yamlText, setYamlText] = useState("");
  const [yamlError, setYamlError] = useState<string>();
  // RJSF does not redraw a map's entries (additionalProperties) when formData changes under it: the
  // form is mounted afresh for each spec read from the YAML tab (the form is hidden meanwhile)
  const [yamlRevision, setYamlRevision] = useState(0);
  const [busy, setBusy] = useState<string>();
  const [outcome, setOutcome] = useState<Outcome>();
  const [leftover, setLeftover] = useState<{ error: unknown; name: string }>();
  const alive = useRef(true);
  useEffect(() => () => void (alive.current = false), []);

  // the first kind the cluster serves, once discovery answers (PodChaos when served)
  useEffect(() => {
    if (kind === "" && kinds.length > 0) setKind((kinds.find((k) => k.kind === "PodChaos") ?? kinds[0]!).kind);
  }, [kinds, kind]);

  const plural = kinds.find((k) => k.kind === kind)?.plural;
  const schema = useMemo(() => {
    if (!openApi.value || kind === "") return undefined;
    try {
      return { form: specFormSchema(openApi.value, chaosGroup, chaosVersion, kind), kube: specKubeSchema(openApi.value, chaosGroup, chaosVersion, kind) };
    } catch (err) {
      if (err instanceof FormSchemaError) return { error: err.message };
      throw err;
    }
  }, [openApi.value, kind]);

  const manifestOf = (k: string, ns: string, n: string, s: Spec, x: Extra): ChaosManifest => {
    const cleaned = schema && "kube" in schema ? (fromFormData(s, schema.kube, openApi.value) as Spec) : s;
    return buildManifest(k, ns, n, cleaned ?? {}, x);
  };
  const manifest = manifestOf(kind, namespace, name, spec, extra);

  // the YAML follows the form; while the user types YAML, the form follows the YAML instead
  const fromYaml = useRef(false);
  useEffect(() => {
    if (fromYaml.current) {
      fromYaml.current = false;
      return;
    }
    if (kind !== "") {
      setYamlText(manifestYaml(manifest));
      setYamlError(undefined);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [kind, namespace, name, spec, extra, schema]);

  const onYaml = (text: string) => {
    setYamlText(text);
    const parsed = parseManifestYaml(text, kinds.map((k) => k.kind));
    if (!parsed.ok) {
      setYamlError(parsed.error);
      return;
    }
    setYamlError(undefined);
    fromYaml.current = true;
    setYamlRevision((r) => r + 1);
    const m = parsed.manifest;
    setKind(m.kind);
    setNamespace(m.metadata.namespace);
    setName(m.metadata.name);
    setSpec(m.spec);
    setExtra({ ...(m.metadata.labels ? { labels: m.metadata.labels } : {}), ...(m.metadata.annotations ? { annotations: m.metadata.annotations } : {}) });
  };

  const collection = plural && validSegment(namespace) ? collectionPath(chaosResource(plural), namespace) : undefined;
  const ready = collection !== undefined && yamlError === undefined && busy === undefined;

  const run = async (action: string, body: () => Promise<Outcome | undefined>) => {
    setBusy(action);
    setOutcome(undefined);
    try {
      const result = await body();
      if (alive.current && result) setOutcome(result);
    } catch (error) {
      if (alive.current) setOutcome({ kind: "error", error, action });
    } finally {
      if (alive.current) setBusy(undefined);
    }
  };

  const validate = () =>
    run("Validate", async () => {
      await kubeRequest("POST", `${collection}?dryRun=All`, { body: manifest });
      return { kind: "valid", what: `The API server accepts ${kind} ${namespace}/${name} (a dry run: its schema and rules were checked, nothing was stored).` };
    });

  const preview = () =>
    run("Preview targets", async () => {
      await assertManagerKnowsPlan();
      const body = planObject({ ...manifest, metadata: { ...manifest.metadata, name: manifest.metadata.name || kind.toLowerCase() } });
      const created = await kubeRequest<{ metadata: { name: string } }>("POST", collection!, { body });
      const path = `${collection}/${pathSegment(created.metadata.name, "name")}`;
      try {
        setOutcome({ kind: "status", text: `Created ${kind} ${namespace}/${created.metadata.name} (plan only, paused); waiting for the manager's plan…` });
        const deadline = Date.now() + planTimeoutMs;
        while (alive.current) {
          const current = await kubeRequest<{ metadata: { generation?: number }; status?: { plan?: ExperimentPlan } }>("GET", path);
          const plan = currentPlan(current);
          if (plan) return { kind: "plan", view: planView(`${kind} ${namespace}/${name || created.metadata.name}`, plan) };
          if (Date.now() > deadline) throw new Error(`No plan from the manager within ${planTimeoutMs / 1000}s (status.plan of ${kind} ${namespace}/${created.metadata.name} stayed empty): is the Faultline manager running?`);
          await sleep(1000);
        }
        return undefined;
      } finally {
        await kubeRequest("DELETE", path).catch((err: unknown) => {
          if (alive.current) setLeftover({ error: err, name: created.metadata.name });
        });
      }
    });

  const create = () =>
    run("Create", async () => {
      const created = await kubeRequest<{ metadata: { name: string; namespace: string } }>("POST", collection!, { body: manifest });
      window.location.hash = experimentRoute(created.metadata.namespace, plural!, created.metadata.name);
      return undefined;
    });

  const loadError = discovery.error ?? openApi.error;
  return (
    <main className="create-page">
      <h1>Create an experiment</h1>
      {loadError && <KubeErrorNote error={loadError} />}
      {!discovery.value && !discovery.error && <p role="status">Reading the kinds the cluster serves…</p>}
      {discovery.value && kinds.length === 0 && <p className="note note-warn">The cluster serves no chaos kind in {chaosGroup}/{chaosVersion}: are Faultline's CRDs installed?</p>}
      <form
        className="create-meta"
        aria-label="What to create"
        onSubmit={(e) => {
          e.preventDefault();
        }}
      >
        <label>
          Kind
          <select name="kind" value={kind} onChange={(e) => (setKind(e.target.value), setSpec({}), setOutcome(undefined))} disabled={kinds.length === 0}>
            {kinds.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.kind}
              </option>
            ))}
          </select>
        </label>
        <label>
          Namespace
          <input name="namespace" type="text" value={namespace} list="create-namespaces" required onChange={(e) => setNamespace(e.target.value.trim())} />
        </label>
        <datalist id="create-namespaces">
          {(namespaces.value?.items ?? []).map((n) => (
            <option key={n.metadata.name} value={n.metadata.name} />
          ))}
        </datalist>
        <label>
          Name
          <input name="name" type="text" value={name} required placeholder="e.g. web-pod-kill" onChange={(e) => setName(e.target.value.trim())} />
        </label>
      </form>

      <div role="tablist" aria-label="Edit the spec as" className="tabs">
        <button type="button" role="tab" id="tab-form" aria-controls="panel-form" aria-selected={tab === "form"} tabIndex={tab === "form" ? 0 : -1} onClick={() => setTab("form")}>
          Form
        </button>
        <button type="button" role="tab" id="tab-yaml" aria-controls="panel-yaml" aria-selected={tab === "yaml"} tabIndex={tab === "yaml" ? 0 : -1} onClick={() => setTab("yaml")}>
          YAML
        </button>
      </div>
      <section id="panel-form" role="tabpanel" aria-labelledby="tab-form" hidden={tab !== "form"} className="spec-form">
        {schema && "error" in schema && <p className="note note-error">{schema.error}</p>}
        {!openApi.value && !openApi.error && <p role="status">Reading the kind's schema…</p>}
        {schema && "form" in schema && (
          <Form
            key={`${kind}-${yamlRevision}`}
            schema={schema.form as RJSFSchema}
            uiSchema={uiSchemaOf(schema.form ?? {})}
            validator={validator}
            formData={spec}
            idPrefix="spec"
            noHtml5Validate
            showErrorList={false}
            templates={{ ButtonTemplates: buttonTemplates }}
            experimental_defaultFormStateBehavior={{ emptyObjectFields: "populateRequiredDefaults" }}
            // hidden while the YAML tab is shown: its changes then are only its remount's (defaults), not the user's
            onChange={(e) => tab === "form" && setSpec((e.formData ?? {}) as Spec)}
            onSubmit={() => undefined}
          />
        )}
      </section>
      <section id="panel-yaml" role="tabpanel" aria-labelledby="tab-yaml" hidden={tab !== "yaml"}>
        <label className="yaml-label">
          Manifest (YAML)
          <textarea name="yaml" value={yamlText} rows={Math.min(40, Math.max(12, yamlText.split("\n").length + 1))} spellCheck={false} onChange={(e) => onYaml(e.target.value)} aria-invalid={yamlError !== undefined} aria-describedby={yamlError ? "yaml-error" : undefined} />
        </label>
        {yamlError && (
          <p id="yaml-error" className="note note-error" role="alert">
            {yamlError}
          </p>
        )}
      </section>

      <div className="toolbar create-actions">
        <button type="button" onClick={validate} disabled={!ready}>
          Validate
        </button>
        <button type="button" onClick={preview} disabled={!ready}>
          Preview targets
        </button>
        <button type="button" className="primary" onClick={create} disabled={!ready}>
          Create
        </button>
      </div>

      <div aria-live="polite" className="create-outcome">
        {busy && <p role="status">{busy}: waiting for the API server…</p>}
        {outcome?.kind === "status" && <p role="status">{outcome.text}</p>}
        {outcome?.kind === "valid" && (
          <p className="note note-ok" data-testid="validation-ok">
            {outcome.what}
          </p>
        )}
        {outcome?.kind === "error" && (
          <div data-testid="create-error">
            <KubeErrorNote error={outcome.error} context={outcome.action} />
            <FieldErrors error={outcome.error} />
          </div>
        )}
        {outcome?.kind === "plan" && <PlanResult view={outcome.view} />}
        {leftover && <KubeErrorNote error={leftover.error} context={`The plan's object ${leftover.name} was not deleted; delete it by hand`} />}
      </div>
    </main>
  );
}
