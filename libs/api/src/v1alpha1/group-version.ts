/** The API group of every chaos kind; the same as Chaos Mesh's, so existing manifests apply. */
export const chaosGroup = "chaos-mesh.org";
/** The version of every chaos kind. */
export const chaosVersion = "v1alpha1";
/** `chaos-mesh.org/v1alpha1`, the apiVersion of every chaos object. */
export const chaosApiVersion = `${chaosGroup}/${chaosVersion}` as const;
