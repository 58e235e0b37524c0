import { experimentHref, listHref, navSection, parseRoute, workflowHref } from "./routes.js";

describe("parseRoute", () => {
  it.each([
    ["", { page: "experiments" }],
    ["#/", { page: "experiments" }],
    ["#/experiments", { page: "experiments" }],
    ["#/experiments/shop/podchaos/web", { page: "experiment", namespace: "shop", plural: "podchaos", name: "web" }],
    ["#/create", { page: "create" }],
    ["#/workflows", { page: "workflows" }],
    ["#/workflows/shop/two-steps", { page: "workflow", namespace: "shop", name: "two-steps" }],
    ["#/schedules", { page: "schedules" }],
    ["#/nodes", { page: "nodes" }],
    ["#/experiments/shop", { page: "not-found", path: "/experiments/shop" }],
    ["#/nope", { page: "not-found", path: "/nope" }],
  ])("%s", (hash, expected) => {
    expect(parseRoute(hash)).toMatchObject(expected);
  });

  it("keeps the list's filters from the query", () => {
    const route = parseRoute("#/experiments?namespace=shop&kind=PodChaos");
    expect(route.page).toBe("experiments");
    expect(route.page === "experiments" && route.query.get("kind")).toBe("PodChaos");
  });

  it("decodes the parts; hrefs encode them (round trip)", () => {
    expect(parseRoute(experimentHref("a b", "podchaos", "x.y"))).toEqual({ page: "experiment", namespace: "a b", plural: "podchaos", name: "x.y" });
    expect(parseRoute(workflowHref("ns", "w"))).toEqual({ page: "workflow", namespace: "ns", name: "w" });
    expect(parseRoute("#/experiments/%E0%A4%A/x/y").page).toBe("not-found");
  });

  it.each([
    "#/experiments/default/..%2F..%2F..%2F..%2F..%2Fapi%2Fv1%2Fnamespaces/prod",
    "#/experiments/default/podchaos/a%2Fb",
    "#/experiments/%2E%2E/podchaos/web",
    "#/experiments/default/../web",
    "#/experiments/default/./web",
    "#/experiments/default/podchaos/..",
    "#/workflows/default/..",
    "#/workflows/..%2Fx/w",
    "#/workflows/default/a%2F..%2F..%2Fb",
  ])("a part that decodes to '/' or is '.'/'..' has no page: %s", (hash) => {
    expect(parseRoute(hash).page).toBe("not-found");
  });

  it("listHref leaves empty filters out", () => {
    expect(listHref("experiments", { namespace: "shop", kind: undefined, state: "" })).toBe("#/experiments?namespace=shop");
    expect(listHref("experiments", {})).toBe("#/experiments");
  });

  it("navSection: detail pages belong to their list", () => {
    expect(navSection(parseRoute("#/experiments/a/b/c"))).toBe("experiments");
    expect(navSection(parseRoute("#/workflows/a/b"))).toBe("workflows");
    expect(navSection(parseRoute("#/zzz"))).toBeUndefined();
  });
});
