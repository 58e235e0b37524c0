import { ApiException } from "@kubernetes/client-node";
import { isObjectNotFound } from "./object-not-found.js";

// The bodies kube-apiserver v1.34 sends, as @kubernetes/client-node hands them over (parsed JSON)
const objectMissing = {
  kind: "Status",
  apiVersion: "v1",
  status: "Failure",
  message: 'helloworldchaos.chaos-mesh.org "exp" not found',
  reason: "NotFound",
  details: { name: "exp", group: "chaos-mesh.org", kind: "helloworldchaos" },
  code: 404,
};
const resourceNotServed = { kind: "Status", apiVersion: "v1", status: "Failure", message: "the server could not find the requested resource", reason: "NotFound", details: {}, code: 404 };

describe("isObjectNotFound", () => {
  it("is true for a 404 whose Status names the object", () => {
    expect(isObjectNotFound(new ApiException(404, "Unknown API Status Code!", objectMissing, {}))).toBe(true);
    expect(isObjectNotFound(new ApiException(404, "Unknown API Status Code!", objectMissing, {}), "exp")).toBe(true);
    expect(isObjectNotFound(new ApiException(404, "", JSON.stringify(objectMissing), {}), "exp")).toBe(true);
  });

  it("is false for a 404 naming another object", () => {
    expect(isObjectNotFound(new ApiException(404, "", objectMissing, {}), "other")).toBe(false);
  });

  it("is false for a 404 that names no object: an API server not serving the resource (yet)", () => {
    expect(isObjectNotFound(new ApiException(404, "", resourceNotServed, {}))).toBe(false);
    expect(isObjectNotFound(new ApiException(404, "", "404 page not found\n", {}))).toBe(false);
    expect(isObjectNotFound(new ApiException(404, "", undefined, {}))).toBe(false);
  });

  it("is false for anything but 404", () => {
    expect(isObjectNotFound(new ApiException(409, "", { ...objectMissing, code: 409, reason: "Conflict" }, {}))).toBe(false);
    expect(isObjectNotFound(new ApiException(503, "", objectMissing, {}))).toBe(false);
    expect(isObjectNotFound(new TypeError("fetch failed"))).toBe(false);
    expect(isObjectNotFound(undefined)).toBe(false);
  });

  it("reads statusCode as the older client errors carry it", () => {
    expect(isObjectNotFound({ statusCode: 404, body: objectMissing })).toBe(true);
  });
});
