import { createHash } from "node:crypto";

const maxName = 63; // a node's name is also a label value (controlled-by) and a chaos object's name
const hashLength = 10;

const hash = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, hashLength);

/** `text` cut to `max` characters, ending with a letter or digit, lowercase. */
function prefix(text: string, max: number): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, max)
    .replace(/[^a-z0-9]+$/, "");
}

const named = (workflowName: string, templateName: string, identity: string) => {
  const head = prefix(`${workflowName}-${templateName}`, maxName - hashLength - 1);
  return head ? `${head}-${hash(identity)}` : `wf-${hash(identity)}`;
};

/**
 * The name of a Workflow's entry node: the Workflow's and template's names and a hash of the
 * Workflow's uid, so a restart finds the node it made (never a second one), and a Workflow
 * re-created under the same name never adopts the nodes of the one before. At most 63 characters.
 *
 * @example
 * entryNodeName({ name: "nightly", uid: "3f2a…" }, "the-entry") // "nightly-the-entry-1b2c3d4e5f"
 */
export function entryNodeName(workflow: { name: string; uid: string }, entry: string): string {
  return named(workflow.name, entry, `${workflow.uid}/entry/${entry}`);
}

/**
 * The name of the `index`-th child of a Serial or Parallel node: deterministic from the parent's
 * name (itself unique), the index and the template, at most 63 characters.
 */
export function childNodeName(workflowName: string, parentNodeName: string, index: number, templateName: string): string {
  return named(workflowName, templateName, `${parentNodeName}/${index}/${templateName}`);
}

/**
 * A label value for a name that may be longer than a label value may be (63): the name itself
 * when it fits, else a cut name and a hash.
 */
export function labelValueOf(name: string): string {
  if (name.length <= maxName && /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$/i.test(name)) return name;
  return `${prefix(name, maxName - hashLength - 1)}-${hash(name)}`;
}
