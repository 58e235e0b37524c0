// The headers every response of the dashboard server carries. No CORS header is ever set: only
// the dashboard's own page (same origin) may read its answers.

/** The Content-Security-Policy: the page's own scripts, styles and connections only (no inline script, no framing). */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Security headers for every response. */
export function securityHeaders(): { [name: string]: string } {
  return {
    "content-security-policy": contentSecurityPolicy,
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
  };
}
