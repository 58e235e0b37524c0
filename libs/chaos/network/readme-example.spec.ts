import { delayOnThisKernel, partitionOnSourcePod } from "./readme-example.js";

describe("the NetworkChaos README's example", () => {
  it("shows Chaos Mesh's ipsets and chain for the selected pod of a partition", () => {
    expect(partitionOnSourcePod()).toEqual({
      ipsets: [
        "netwo_95356c38d741e_net_tgt hash:net 10.0.0.2/32",
        "netwo_95356c38d_netport_tgt hash:net,port ",
        "netwo_95356c38d741e_set_tgt list:set netwo_95356c38d741e_net_tgt,netwo_95356c38d_netport_tgt",
      ],
      chains: ["OUTPUT/netwo_95356c38d741e_ OUTPUT -m set --match-set netwo_95356c38d741e_set_tgt -j DROP"],
      tcs: 0,
    });
  });

  it("names what a netem-less node lacks for a delay", () => {
    expect(delayOnThisKernel()).toEqual(["qdisc/netem (delay/loss/duplicate/corrupt on eth0 (tc netem))"]);
  });
});
