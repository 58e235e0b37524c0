import { embeddedChaosField } from "./embedded-chaos.js";

describe("embeddedChaosField", () => {
  it.each([
    ["NetworkChaos", "networkChaos"],
    ["PodChaos", "podChaos"],
    ["HelloWorldChaos", "helloWorldChaos"],
    ["HTTPChaos", "httpChaos"],
    ["DNSChaos", "dnsChaos"],
    ["IOChaos", "ioChaos"],
    ["JVMChaos", "jvmChaos"],
    ["AWSChaos", "awsChaos"],
  ])("names %s's field %s, as Chaos Mesh's EmbedChaos JSON tags do", (kind, field) => {
    expect(embeddedChaosField(kind)).toBe(field);
  });
});
