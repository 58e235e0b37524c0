// Errors the dashboard server makes itself, shaped as the API server's own (a `Status`), so the UI
// reads one kind of error whether it came from the server or from Kubernetes.
import type { ServerResponse } from "node:http";

/** A Kubernetes `Status` with `status: "Failure"`. */
export interface KubeStatus {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure";
  message: string;
  reason: string;
  code: number;
}

/** The reasons the server uses, as the API server spells them (metav1.StatusReason). */
export type StatusReason = "Unauthorized" | "Forbidden" | "NotFound" | "MethodNotAllowed" | "BadRequest" | "ServiceUnavailable" | "InternalError";

export function kubeStatus(code: number, reason: StatusReason, message: string): KubeStatus {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

/** Ends `res` with the Status as JSON (headers already set on `res` are kept). */
export function sendStatus(res: ServerResponse, code: number, reason: StatusReason, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(kubeStatus(code, reason, message));
  res.writeHead(code, { "content-type": "application/json", "cache-control": "no-store", "content-length": Buffer.byteLength(body) });
  res.end(body);
}
