import { NothingToInjectError } from "./network-chaos-manager.js";

describe("NothingToInjectError", () => {
  it("says which role would get nothing and why, for each role", () => {
    expect(new NothingToInjectError("ns/a-0", ["selected"], "partition", { selected: 2, targets: 1 }).message).toBe(
      "nothing would change on pod ns/a-0: partition toward its targets: none of its 1 target pod has an IP address, and it has no external target; not injected until an address is known",
    );
    expect(new NothingToInjectError("ns/b-0", ["target"], "delay", { selected: 3, targets: 1 }).message).toBe(
      "nothing would change on pod ns/b-0: delay on a target toward the selected pods: none of its 3 selected pods has an IP address; not injected until an address is known",
    );
  });

  it("names a role with no pod at all at the other end", () => {
    expect(new NothingToInjectError("ns/a-0", ["selected", "target"], "partition", { selected: 0, targets: 0 }).message).toBe(
      "nothing would change on pod ns/a-0: partition toward its targets: it has no target pod, and it has no external target; partition on a target toward the selected pods: it has no selected pod; not injected until an address is known",
    );
  });
});
