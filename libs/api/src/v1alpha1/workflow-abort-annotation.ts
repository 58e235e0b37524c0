/**
 * `"true"` on a Workflow stops it: every node still running ends (its chaos deleted, its Task pod
 * removed) and the Workflow is Accomplished with the Aborted condition. Chaos Mesh's name.
 *
 * @example
 * kubectl annotate workflow my-workflow workflow.chaos-mesh.org/abort=true
 */
export const workflowAbortAnnotation = "workflow.chaos-mesh.org/abort";
