import { renderYaml } from "./render-yaml.js";
import { chaosCrds, crdFileName } from "./v1alpha1/crds.js";

/** One generated file under libs/api/crds. */
export interface CrdFile {
  fileName: string;
  content: string;
}

/** The command that regenerates the CRD files; named in each file's header. */
export const generateCrdsCommand = "npm run generate:crds -w @faultline/api";

/** The content of every CRD file, in a stable order: what libs/api/crds must hold. */
export function crdFiles(): CrdFile[] {
  return chaosCrds.map((crd) => ({
    fileName: crdFileName(crd),
    content: `# Generated from libs/api/src/v1alpha1 by \`${generateCrdsCommand}\`; do not edit.\n---\n${renderYaml(crd)}`,
  }));
}
