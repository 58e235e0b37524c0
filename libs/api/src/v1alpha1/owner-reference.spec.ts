import { controllerReference, isControlledBy } from "./owner-reference.js";

const schedule = { apiVersion: "chaos-mesh.org/v1alpha1", kind: "Schedule", metadata: { name: "nightly", uid: "uid-1" } };

describe("controllerReference", () => {
  it("makes the owner the controller, blocking the owner's deletion until the owned object is gone", () => {
    expect(controllerReference(schedule)).toEqual({
      apiVersion: "chaos-mesh.org/v1alpha1",
      kind: "Schedule",
      name: "nightly",
      uid: "uid-1",
      controller: true,
      blockOwnerDeletion: true,
    });
  });
});

describe("isControlledBy", () => {
  it("is true only for a controller reference with the owner's uid", () => {
    const owned = { metadata: { ownerReferences: [controllerReference(schedule)] } };
    expect(isControlledBy(owned, "uid-1")).toBe(true);
    expect(isControlledBy(owned, "uid-2")).toBe(false);
    expect(isControlledBy(owned, undefined)).toBe(false);
  });

  it("ignores an owner that is not the controller", () => {
    const owned = { metadata: { ownerReferences: [{ ...controllerReference(schedule), controller: false }] } };
    expect(isControlledBy(owned, "uid-1")).toBe(false);
    expect(isControlledBy({ metadata: {} }, "uid-1")).toBe(false);
  });
});
