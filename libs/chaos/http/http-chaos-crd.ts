import { Type } from "@sinclair/typebox";
import { defineChaosCrd, durationSchema, goDurationPattern, podSelectorFields, stringEnum, stringMap, type ChaosResourceOf } from "@faultline/api";

/** Where an HTTPChaos acts: on the requests the pod's server receives, or on the responses it sends. */
export const httpChaosTargets = ["Request", "Response"] as const;
/** An HTTPChaos target. */
export type HTTPChaosTarget = (typeof httpChaosTargets)[number];

/** The HTTP methods a selector or a replacement may name (Go's net/http method constants, as Chaos Mesh's webhook accepts). */
export const httpMethods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE"] as const;

/** The patch body types: JSON only (a JSON merge patch, RFC 7396), as Chaos Mesh's proxy knows. */
export const httpPatchBodyTypes = ["JSON"] as const;

/** The longest `patch.body.value`: bounds the CEL rule's cost (it grows with the string's length). */
export const httpPatchBodyValueMaxLength = 8_192;

/** Standard base64 with padding, as Go's encoding/json writes a []byte (Chaos Mesh's `replace.body`). */
export const base64Pattern = "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$";

/**
 * The outline of one JSON value (an object, an array, a string, a number, true, false or null with
 * blanks around). CEL cannot parse JSON: this catches a value that is plainly not JSON (`foo=bar`,
 * `{"a": 1`), and the daemon's strict parser refuses the rest (InvalidArgument, a Failed event
 * naming the field).
 */
export const jsonOutlineRegexSource = '^\\s*(\\{[\\s\\S]*\\}|\\[[\\s\\S]*\\]|"[\\s\\S]*"|-?[0-9][0-9.eE+-]*|true|false|null)\\s*$';

const celString = (text: string) => `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

/** The CEL rule on `patch.body.value`: the outline of a JSON value. */
export const httpPatchBodyJsonRule = {
  rule: `self.matches(${celString(jsonOutlineRegexSource)})`,
  message: "is not JSON: a JSON patch body must be one JSON value (a merge patch object such as {\"foo\": \"bar\"})",
  reason: "FieldValueInvalid",
};

/**
 * The CEL rules on the spec, each naming its field: at least one action; `code`, `response_headers`
 * and `replace.code` only with target Response; `replace.path`, `replace.method`, `replace.queries`
 * and `patch.queries` only with target Request (the response has none of them); remote clusters refused.
 */
export const httpChaosSpecRules = [
  {
    rule: "(has(self.abort) && self.abort) || has(self.delay) || has(self.replace) || has(self.patch)",
    message: "at least one action is required: abort: true, delay, replace or patch",
    fieldPath: ".abort",
    reason: "FieldValueRequired",
  },
  { rule: "!has(self.code) || self.target == 'Response'", message: "code selects a response's status code: only with target Response", fieldPath: ".code", reason: "FieldValueForbidden" },
  {
    rule: "!has(self.response_headers) || self.target == 'Response'",
    message: "response_headers select a response's headers: only with target Response",
    fieldPath: ".response_headers",
    reason: "FieldValueForbidden",
  },
  {
    rule: "!has(self.replace) || !has(self.replace.code) || self.target == 'Response'",
    message: "replace.code replaces a response's status code: only with target Response",
    fieldPath: ".replace.code",
    reason: "FieldValueForbidden",
  },
  ...(["path", "method", "queries"] as const).map((field) => ({
    rule: `!has(self.replace) || !has(self.replace.${field}) || self.target == 'Request'`,
    message: `replace.${field} replaces the request's ${field === "queries" ? "query parameters" : field}: only with target Request`,
    fieldPath: `.replace.${field}`,
    reason: "FieldValueForbidden",
  })),
  {
    rule: "!has(self.patch) || !has(self.patch.queries) || self.target == 'Request'",
    message: "patch.queries adds query parameters to the request: only with target Request",
    fieldPath: ".patch.queries",
    reason: "FieldValueForbidden",
  },
  {
    rule: "!has(self.remoteCluster) || self.remoteCluster == ''",
    message: "remote clusters are not supported: Faultline acts on the cluster it runs in",
    fieldPath: ".remoteCluster",
    reason: "FieldValueForbidden",
  },
];

const method = (description: string) => stringEnum(httpMethods, description);
const statusCode = (description: string) => Type.Integer({ description, minimum: 100, maximum: 599, format: "int32" });
const pairs = (description: string) =>
  Type.Unsafe<string[][]>({ type: "array", description, items: { type: "array", items: { type: "string" }, minItems: 2, maxItems: 2 } });

/**
 * The HTTPChaos CRD (`httpchaos.chaos-mesh.org`), Chaos Mesh's fields unchanged (their JSON names,
 * snake_case ones included): the pod selector, `target`, `port`, `path`, `method`, `code`,
 * `request_headers`, `response_headers`, the actions `abort`, `delay`, `replace`, `patch`, `tls`,
 * `duration`. The API server checks at admission (schema and CEL, no webhook) what can be checked
 * there, naming the field: the target, the port (1–65535), the methods, the delay (a Go duration),
 * the status codes, `replace.body` (base64), `patch.body` (type JSON, the value's JSON outline), at
 * least one action, and the fields that only make sense for one target.
 */
export const httpChaosCrd = defineChaosCrd({
  kind: "HTTPChaos",
  description:
    "HTTPChaos aborts, delays, replaces or patches the HTTP requests a target pod's server receives on one port, or the responses it sends, chosen by path, method, status code and headers. The node's daemon redirects the port's incoming connections, inside the pod's own network namespace, to an HTTP proxy it runs there, which applies the rules and forwards to the server; other ports and outgoing traffic are not touched. Without tls, TLS connections on the port pass through untouched.",
  spec: Type.Object(
    {
      ...podSelectorFields,
      target: stringEnum(httpChaosTargets, "Request: the rule acts on requests the pod's server receives (before it sees them). Response: on the responses it sends (before the client sees them)."),
      port: Type.Integer({ description: "The TCP port of the pod's server whose incoming HTTP traffic the rule acts on (1–65535).", minimum: 1, maximum: 65535, format: "int32" }),
      path: Type.Optional(Type.String({ description: 'The request paths the rule acts on, a glob on the path before its "?": "*" any run of characters within one segment (never "/"), "?" one character, e.g. "/api/*" matches "/api/users" (not "/api/users/7", nor "/api"). Absent: every path.' })),
      method: Type.Optional(method("The request method the rule acts on, e.g. GET. Absent: every method.")),
      code: Type.Optional(statusCode("The response status code the rule acts on (target Response only). Absent: every code.")),
      request_headers: Type.Optional(stringMap("Request headers the rule's requests must carry, name → exact value (names case-insensitive). Absent: any headers.")),
      response_headers: Type.Optional(stringMap("Response headers the rule's responses must carry, name → exact value (target Response only).")),
      abort: Type.Optional(Type.Boolean({ description: "true: the connection is closed instead of the request reaching the server (Request) or the response reaching the client (Response)." })),
      delay: Type.Optional(Type.String({ description: 'How long the request (or response) is held before it goes on, a Go duration ("10ms", "1.5s").', pattern: goDurationPattern })),
      replace: Type.Optional(
        Type.Object(
          {
            path: Type.Optional(Type.String({ description: "The path the request is sent on instead (target Request)." })),
            method: Type.Optional(method("The method the request is sent with instead (target Request).")),
            code: Type.Optional(statusCode("The status code the response carries instead (target Response).")),
            body: Type.Optional(Type.String({ description: "The body sent instead, base64 (standard alphabet, padded) as Chaos Mesh's []byte.", pattern: base64Pattern })),
            queries: Type.Optional(stringMap("Query parameters set on the request, name → value, replacing those of that name (target Request).")),
            headers: Type.Optional(stringMap("Headers set, name → value, replacing those of that name.")),
          },
          { description: "Parts of the request (or response) replaced." },
        ),
      ),
      patch: Type.Optional(
        Type.Object(
          {
            body: Type.Optional(
              Type.Object(
                {
                  type: stringEnum(httpPatchBodyTypes, "JSON: the value is merged into a JSON body as a JSON merge patch (RFC 7396)."),
                  value: Type.Unsafe<string>({
                    type: "string",
                    description: `The patch, a JSON value (at most ${httpPatchBodyValueMaxLength} characters), e.g. {"foo": "bar"}.`,
                    maxLength: httpPatchBodyValueMaxLength,
                    "x-kubernetes-validations": [httpPatchBodyJsonRule],
                  }),
                },
                { description: "A patch of the body." },
              ),
            ),
            queries: Type.Optional(pairs("Query parameters added to the request, [name, value] pairs (target Request).")),
            headers: Type.Optional(pairs("Headers added, [name, value] pairs (those already there stay).")),
          },
          { description: "Parts added to the request (or response)." },
        ),
      ),
      tls: Type.Optional(
        Type.Object(
          {
            secretName: Type.String({ description: "The Secret holding the server's certificate and key (PEM)." }),
            secretNamespace: Type.Optional(Type.String({ description: "The Secret's namespace; absent: the HTTPChaos's own." })),
            certName: Type.Optional(Type.String({ description: 'The Secret key of the certificate (PEM); absent: "tls.crt".' })),
            keyName: Type.Optional(Type.String({ description: 'The Secret key of the private key (PEM); absent: "tls.key".' })),
            caName: Type.Optional(Type.String({ description: "The Secret key of a CA certificate (PEM) the proxy trusts when it re-encrypts to the server; absent: none." })),
          },
          {
            description:
              "TLS on the port: the proxy terminates it with this certificate and key, applies the rule, and re-encrypts to the server. Absent: TLS connections on the port pass through untouched (an Event says so).",
          },
        ),
      ),
      duration: Type.Optional(durationSchema),
      remoteCluster: Type.Optional(Type.String({ description: "Chaos Mesh's multi-cluster field; Faultline serves its own cluster only, so it must be empty." })),
    },
    {
      description: "Which pods, which of their server's HTTP traffic, what happens to it, and for how long.",
      "x-kubernetes-validations": httpChaosSpecRules,
    },
  ),
});

/** HTTPChaos (`chaos-mesh.org/v1alpha1`), its type derived from the schema above. */
export type HTTPChaos = ChaosResourceOf<typeof httpChaosCrd>;
/** The spec of a HTTPChaos: a PodSelector inline, the rule's selector, its actions, tls and duration. */
export type HTTPChaosSpec = HTTPChaos["spec"];
