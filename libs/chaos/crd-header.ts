/** What each generated CRD file names as its source and the command that regenerates it. */
export const crdHeader = { source: "libs/chaos (the catalog's kinds)", command: "npm run generate:crds -w @faultline/chaos" } as const;
