// What the replace and patch actions of the rules met do to a request's or a response's head and
// body (http-rules.ts says which rules are met and in which order). Pure: the proxy hands in what it
// read and forwards what comes out.

import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from "node:zlib";
import jsonMergePatch from "json-merge-patch";
import type { CompiledHttpRule } from "./http-rules.js";

/** Header fields as [name, value] pairs, in the order they are sent (a name may repeat). */
export type HeaderPairs = Array<[string, string]>;

/** Pairs from Node's rawHeaders ([name, value, name, value, …]). */
export function headerPairs(raw: readonly string[]): HeaderPairs {
  const out: HeaderPairs = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

/** Back to the flat form node:http's writeHead and request take. */
export function flatHeaders(pairs: HeaderPairs): string[] {
  return pairs.flat();
}

// Hop-by-hop fields (RFC 9110 §7.6.1) belong to one connection and are not forwarded; node:http
// frames each side itself (content-length or chunked, keep-alive).
const hopByHop = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"]);

/** The pairs without hop-by-hop fields, nor those the Connection field names. */
export function withoutHopByHop(pairs: HeaderPairs): HeaderPairs {
  const named = new Set(
    pairs
      .filter(([n]) => n.toLowerCase() === "connection")
      .flatMap(([, v]) => v.split(","))
      .map((n) => n.trim().toLowerCase()),
  );
  return pairs.filter(([n]) => !hopByHop.has(n.toLowerCase()) && !named.has(n.toLowerCase()));
}

function setHeader(pairs: HeaderPairs, name: string, value: string): HeaderPairs {
  const lower = name.toLowerCase();
  return [...pairs.filter(([n]) => n.toLowerCase() !== lower), [name, value]];
}

function withQuery(url: string, edit: (parts: string[]) => string[]): string {
  const q = url.indexOf("?");
  const path = q === -1 ? url : url.slice(0, q);
  const parts = edit(q === -1 || q === url.length - 1 ? [] : url.slice(q + 1).split("&"));
  return parts.length === 0 ? path : `${path}?${parts.join("&")}`;
}

const queryKey = (part: string) => {
  const raw = part.split("=", 1)[0]!;
  try {
    return decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    return raw;
  }
};
const queryPart = (k: string, v: string) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`;

/** A request's head as forwarded. */
export interface RequestHead {
  readonly method: string;
  /** The request target ("/path?query"). */
  readonly url: string;
  readonly headers: HeaderPairs;
}

/** A response's head as forwarded. */
export interface ResponseHead {
  readonly code: number;
  readonly headers: HeaderPairs;
}

/**
 * The body the edits start from, decoded when its Content-Encoding is gzip, deflate or br (the
 * edited body is sent without one), or undefined when it cannot be read (another encoding): its
 * body edits are then not applied.
 */
export function decodedBody(body: Buffer, headers: HeaderPairs): Buffer | undefined {
  const encodings = headers
    .filter(([n]) => n.toLowerCase() === "content-encoding")
    .flatMap(([, v]) => v.split(","))
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== "" && e !== "identity");
  try {
    let out = body;
    for (const e of encodings.reverse()) {
      if (e === "gzip" || e === "x-gzip") out = gunzipSync(out);
      else if (e === "br") out = brotliDecompressSync(out);
      else if (e === "deflate") {
        try {
          out = inflateSync(out);
        } catch {
          out = inflateRawSync(out); // some servers send raw deflate
        }
      } else return undefined;
    }
    return out;
  } catch {
    return undefined;
  }
}

function patchedJson(body: Buffer, patch: unknown): Buffer {
  let target: unknown;
  try {
    target = JSON.parse(body.toString("utf8"));
  } catch {
    target = undefined; // not JSON: RFC 7396 treats a non-object target as {} when the patch is an object
  }
  return Buffer.from(JSON.stringify(jsonMergePatch.apply(target, structuredClone(patch))));
}

function editBody(r: CompiledHttpRule, body: Buffer): Buffer {
  let out = r.replaceBody ?? body;
  if (r.patchBody !== undefined) out = patchedJson(out, r.patchBody);
  return out;
}

/** The framing of a body that was read whole and maybe edited: its length, no encoding left. */
function framed(headers: HeaderPairs, body: Buffer, decoded: boolean): HeaderPairs {
  let out = headers.filter(([n]) => n.toLowerCase() !== "content-length" && (!decoded || n.toLowerCase() !== "content-encoding"));
  out = setHeader(out, "Content-Length", String(body.length));
  return out;
}

/**
 * Applies the edits (rules met, in order: each one's replace, then its patch) to a request. `body`
 * is the whole body as received when some edit reads it (planActions' readsBody), else undefined
 * (the body is streamed untouched).
 */
export function editRequest(head: RequestHead, edits: readonly CompiledHttpRule[], body?: Buffer): { head: RequestHead; body?: Buffer } {
  let { method, url, headers } = head;
  const decoded = body === undefined ? undefined : decodedBody(body, headers);
  let current = decoded;
  for (const r of edits) {
    const rep = r.rule.actions.replace;
    const pat = r.rule.actions.patch;
    if (rep?.path !== undefined) url = rep.path + (url.includes("?") ? url.slice(url.indexOf("?")) : "");
    if (rep?.method !== undefined) method = rep.method;
    if (rep?.queries !== undefined) {
      const set = rep.queries;
      url = withQuery(url, (parts) => [...parts.filter((p) => !(queryKey(p) in set)), ...Object.entries(set).map(([k, v]) => queryPart(k, v))]);
    }
    if (rep?.headers !== undefined) for (const [k, v] of Object.entries(rep.headers)) headers = setHeader(headers, k, v);
    if (pat?.queries !== undefined) url = withQuery(url, (parts) => [...parts, ...pat.queries!.map(([k, v]) => queryPart(k, v))]);
    if (pat?.headers !== undefined) headers = [...headers, ...pat.headers.map(([k, v]): [string, string] => [k, v])];
    if (current !== undefined) current = editBody(r, current);
  }
  if (body === undefined) return { head: { method, url, headers } };
  if (current === undefined) return { head: { method, url, headers }, body }; // an encoding it cannot read: sent as it came
  return { head: { method, url, headers: framed(headers, current, true) }, body: current };
}

/** Applies the edits to a response, as editRequest does to a request (code, headers, body). */
export function editResponse(head: ResponseHead, edits: readonly CompiledHttpRule[], body?: Buffer): { head: ResponseHead; body?: Buffer } {
  let { code, headers } = head;
  const decoded = body === undefined ? undefined : decodedBody(body, headers);
  let current = decoded;
  for (const r of edits) {
    const rep = r.rule.actions.replace;
    const pat = r.rule.actions.patch;
    if (rep?.code !== undefined) code = rep.code;
    if (rep?.headers !== undefined) for (const [k, v] of Object.entries(rep.headers)) headers = setHeader(headers, k, v);
    if (pat?.headers !== undefined) headers = [...headers, ...pat.headers.map(([k, v]): [string, string] => [k, v])];
    if (current !== undefined) current = editBody(r, current);
  }
  if (body === undefined) return { head: { code, headers } };
  if (current === undefined) return { head: { code, headers }, body };
  return { head: { code, headers: framed(headers, current, true) }, body: current };
}
