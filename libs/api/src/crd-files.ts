import { renderYaml } from "./render-yaml.js";
import type { CustomResourceDefinition } from "./v1alpha1/openapi-schema.js";

/** One generated CRD file. */
export interface CrdFile {
  fileName: string;
  content: string;
}

/** The file a CRD is written to, named as Chaos Mesh names its own: `chaos-mesh.org_<plural>.yaml`. */
export function crdFileName(crd: CustomResourceDefinition): string {
  return `${crd.spec.group}_${crd.spec.names.plural}.yaml`;
}

/**
 * The content of one file per CRD, sorted by file name, each headed by a line that names what it
 * was generated from and the command that regenerates it. The same CRDs always give the same bytes.
 *
 * @example
 * crdFiles(catalog.map((kind) => kind.crd), { source: "libs/chaos", command: "npm run generate:crds -w @faultline/manager" });
 */
export function crdFiles(crds: readonly CustomResourceDefinition[], header: { source: string; command: string }): CrdFile[] {
  return crds
    .map((crd) => ({
      fileName: crdFileName(crd),
      content: `# Generated from ${header.source} by \`${header.command}\`; do not edit.\n---\n${renderYaml(crd)}`,
    }))
    .sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
}
