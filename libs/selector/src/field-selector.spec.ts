import { formatFieldSelector, matchesPodFields, selectablePodFields } from "./field-selector.js";
import { pod } from "./pod-fixtures.test-support.js";
import { SelectorError } from "./selector-error.js";

describe("formatFieldSelector", () => {
  it("writes equality terms and escapes the separators", () => {
    expect(formatFieldSelector({ "spec.nodeName": "node-1", "metadata.name": "a,b=c\\d" })).toBe(
      "spec.nodeName=node-1,metadata.name=a\\,b\\=c\\\\d",
    );
  });
});

describe("matchesPodFields", () => {
  const web = pod({ namespace: "shop", name: "web-0", nodeName: "node-1", phase: "Pending" });

  it("reads the fields the API server supports", () => {
    expect(matchesPodFields(web, { "metadata.name": "web-0", "metadata.namespace": "shop" })).toBe(true);
    expect(matchesPodFields(web, { "spec.nodeName": "node-1", "status.phase": "Pending" })).toBe(true);
    expect(matchesPodFields(web, { "spec.nodeName": "node-2" })).toBe(false);
    expect(matchesPodFields(web, { "spec.hostNetwork": "false" })).toBe(true);
    expect(matchesPodFields(web, { "status.podIP": "" })).toBe(true);
  });

  it("rejects a field pods cannot be selected by", () => {
    expect(() => matchesPodFields(web, { "metadata.uid": "x" })).toThrow(SelectorError);
    expect(() => matchesPodFields(web, { "metadata.uid": "x" })).toThrow(/cannot be selected by "metadata.uid"/);
  });

  it("lists the selectable fields", () => {
    expect(selectablePodFields).toContain("spec.nodeName");
    expect(selectablePodFields).toContain("status.phase");
  });
});
