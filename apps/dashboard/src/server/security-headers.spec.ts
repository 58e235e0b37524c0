import { kubeStatus } from "./kube-status.js";
import { contentSecurityPolicy, securityHeaders } from "./security-headers.js";

describe("securityHeaders", () => {
  it("no framing, no referrer, the page's own sources only, and no CORS header", () => {
    const headers = securityHeaders();
    expect(headers).toMatchObject({ "x-frame-options": "DENY", "referrer-policy": "no-referrer", "x-content-type-options": "nosniff", "content-security-policy": contentSecurityPolicy });
    const directives = contentSecurityPolicy.split("; ");
    expect(directives).toContain("default-src 'self'");
    expect(directives).toContain("style-src 'self' 'unsafe-inline'");
    expect(directives).toContain("frame-ancestors 'none'");
    expect(directives.some((d) => d.startsWith("script-src"))).toBe(false); // scripts fall back to default-src 'self': no inline script
    expect(Object.keys(headers).filter((name) => name.startsWith("access-control-"))).toEqual([]);
  });
});

describe("kubeStatus", () => {
  it("is shaped as the API server's Status", () => {
    expect(kubeStatus(401, "Unauthorized", "sign in")).toEqual({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "sign in", reason: "Unauthorized", code: 401 });
  });
});
