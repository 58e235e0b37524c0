import { Code, ConnectError } from "@connectrpc/connect";

/** A bad request field: InvalidArgument, `<field>: <message>`. */
export const invalid = (field: string, message: string) => new ConnectError(`${field}: ${message}`, Code.InvalidArgument);

/** What the node or the pod does not allow: FailedPrecondition. */
export const precondition = (message: string) => new ConnectError(message, Code.FailedPrecondition);

/** A record key: what a kind's Exec and Recover name (StressChaos's grammar). */
export const recordKeyPattern = /^[A-Za-z0-9._:/-]{1,512}$/;

/** A container id as the runtimes name it: `<runtime>://<id>`. */
const containerIdPattern = /^[a-z0-9.-]+:\/\/[A-Za-z0-9._-]{1,256}$/;

/** Checks a container id field (required, `<runtime>://<id>`). */
export function checkContainerId(containerId: string, field = "containerId"): void {
  if (containerId === "") throw invalid(field, "a container id is required");
  if (!containerIdPattern.test(containerId)) throw invalid(field, `${JSON.stringify(containerId.slice(0, 300))} is not a runtime-prefixed container id such as containerd://<64 hex>`);
}

/** Checks a record key field (required, letters, digits and `. _ : / -`, at most 512). */
export function checkRecordKey(recordKey: string, field = "recordKey"): void {
  if (recordKey === "") throw invalid(field, "a record key is required");
  if (!recordKeyPattern.test(recordKey)) throw invalid(field, `${JSON.stringify(recordKey.slice(0, 600))} holds characters other than letters, digits and . _ : / - (or is longer than 512)`);
}
