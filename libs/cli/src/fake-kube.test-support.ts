// Test support: a Kube whose API server is a table of answers (no socket): the real request,
// getIfExists and error paths of kube.ts run over it, and every request is recorded.
import type { CliIo } from "./cli-io.js";
import { Kube } from "./kube.js";

export interface SentRequest {
  method: string;
  path: string;
  body?: unknown;
}

/** An answer for `METHOD /path` (the path without its query), or undefined for a 404. */
export type Answer = (request: SentRequest) => { status: number; body: unknown } | undefined;

export function fakeKube(answer: Answer, defaultNamespace = "shop"): Kube & { sent: SentRequest[] } {
  const sent: SentRequest[] = [];
  const kube = Object.create(Kube.prototype) as Kube & { sent: SentRequest[] };
  Object.assign(kube, {
    sent,
    defaultNamespace,
    server: "https://fake.invalid",
    raw: async (method: string, path: string, options: { body?: unknown }) => {
      const request: SentRequest = { method, path: path.split("?")[0]!, ...(options.body === undefined ? {} : { body: options.body }) };
      sent.push(request);
      return answer(request) ?? { status: 404, body: { kind: "Status", reason: "NotFound", message: `${path} not found` } };
    },
  });
  return kube;
}

export function bufferIo(): CliIo & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    stdinIsTTY: false,
    interrupted: new Promise(() => undefined),
    env: {},
    out: () => out,
    err: () => err,
  };
}

export const forbidden = (what: string) => ({ status: 403, body: { kind: "Status", reason: "Forbidden", message: `${what} is forbidden: User "bob" cannot do it` } });
