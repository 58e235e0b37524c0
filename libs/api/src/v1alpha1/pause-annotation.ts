/**
 * `"true"` pauses a chaos experiment or a Schedule (an experiment's desired phase becomes Stop, a
 * Schedule stops starting runs and pauses the children it holds); removing it resumes. Chaos Mesh's
 * name, so manifests written for it work unchanged.
 *
 * @example
 * metadata.annotations = { [pauseAnnotation]: "true" };
 */
export const pauseAnnotation = "experiment.chaos-mesh.org/pause";
