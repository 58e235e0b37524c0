import { helloWorldChaosCrd } from "./helloworld-chaos-schema.js";
import type { CustomResourceDefinition } from "./openapi-schema.js";

/** Every CRD Faultline installs; `npm run generate:crds -w @faultline/api` writes one file each. */
export const chaosCrds: readonly CustomResourceDefinition[] = [helloWorldChaosCrd];

/** The file a CRD is written to, named as Chaos Mesh names its own: `chaos-mesh.org_<plural>.yaml`. */
export function crdFileName(crd: CustomResourceDefinition): string {
  return `${crd.spec.group}_${crd.spec.names.plural}.yaml`;
}
