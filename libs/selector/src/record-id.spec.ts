import { containerRecordId, podRecordId } from "./record-id.js";

describe("record ids", () => {
  it("are ns/name for pods and ns/pod/container for containers", () => {
    expect(podRecordId("shop", "web-0")).toBe("shop/web-0");
    expect(containerRecordId("shop", "web-0", "nginx")).toBe("shop/web-0/nginx");
  });
});
