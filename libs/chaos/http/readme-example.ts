import { compileHttpRule, editResponse, httpRulesOf, parseHttpRules, requestMatches, type HTTPChaosSpec } from "@faultline/chaos/http";
import { heldRecordKey } from "@faultline/chaos/held-injections";

/**
 * Chaos Mesh's http-patch-response, followed through: the rule the manager sends for one record and
 * its key, which requests the proxy takes it to, what it does to a JSON response, and a rule the
 * daemon's strict parser refuses.
 */
export function followHttpPatchResponse() {
  const spec: HTTPChaosSpec = {
    mode: "all",
    selector: { labelSelectors: { app: "nginx" } },
    target: "Response",
    port: 80,
    path: "/api",
    patch: { headers: [["Set-Cookie", "foo=bar"]], body: { type: "JSON", value: '{"foo": "bar"}' } },
    duration: "5m",
  };

  // manager: Chaos Mesh's rule shape, and the key the daemon holds this record's rule under
  const rules = httpRulesOf(spec, "nginx/http-patch-response");
  const recordKey = heldRecordKey("2f0c1e7a-uid", "nginx/nginx-0");

  // proxy: the same JSON, parsed strictly; the requests on port 80 whose responses it patches
  const [rule] = parseHttpRules(JSON.parse(JSON.stringify(rules))).map(compileHttpRule);
  const urls = ["/api", "/api?page=2", "/api/users", "/"];
  const patched = urls.filter((url) => requestMatches(rule!, { port: 80, method: "GET", url, headers: [] }));

  // and what a response of /api becomes: the header added, the body merged (RFC 7396)
  const served = { head: { code: 200, headers: [["Content-Type", "application/json"]] as [string, string][] }, body: Buffer.from('{"foo": "baz", "n": 1}') };
  const edited = editResponse(served.head, [rule!], served.body);
  const answer = { code: edited.head.code, headers: edited.head.headers, body: JSON.parse(edited.body!.toString()) };

  // a request-only field on a Response rule: refused before anything runs
  let refused = "";
  try {
    parseHttpRules([{ ...rules[0], actions: { replace: { path: "/v2" } } }]);
  } catch (err) {
    refused = (err as Error).message;
  }
  return { rules, recordKey, patched, answer, refused };
}
