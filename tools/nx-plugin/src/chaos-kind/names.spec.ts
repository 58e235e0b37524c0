import { ChaosKindNameError, chaosKindNames, lowerCamel } from "./names.js";

describe("chaosKindNames", () => {
  it("derives every name from the kind", () => {
    expect(chaosKindNames("DiskFillChaos")).toEqual({
      kind: "DiskFillChaos",
      base: "DiskFill",
      folder: "diskfill",
      fileBase: "diskfill-chaos",
      constName: "diskFillChaos",
      plural: "diskfillchaos",
      rpc: "ExecDiskFillChaos",
      method: "execDiskFillChaos",
      request: "ExecDiskFillChaosRequest",
      recoverRpc: "RecoverDiskFillChaos",
      recoverMethod: "recoverDiskFillChaos",
      recoverRequest: "RecoverDiskFillChaosRequest",
    });
  });

  it.each([
    ["HelloWorldChaos", "helloworld", "helloWorldChaos"],
    ["IOChaos", "io", "ioChaos"],
    ["HTTPChaos", "http", "httpChaos"],
    ["JVMChaos", "jvm", "jvmChaos"],
    ["Net2Chaos", "net2", "net2Chaos"],
  ])("%s lives in libs/chaos/%s as %s", (kind, folder, constName) => {
    expect(chaosKindNames(kind)).toMatchObject({ folder, constName });
  });

  it.each(["", "Chaos", "diskFillChaos", "DiskFill", "DiskFillchaos", "Disk_FillChaos", "Disk-FillChaos", "DiskFill Chaos", "1DiskChaos"])(
    "refuses %j",
    (name) => {
      expect(() => chaosKindNames(name)).toThrow(ChaosKindNameError);
      expect(() => chaosKindNames(name)).toThrow(/CamelCase letters and digits ending in "Chaos"/);
    },
  );
});

describe("lowerCamel", () => {
  it("lowers a leading word by its first letter and a leading acronym whole", () => {
    expect(lowerCamel("DiskFill")).toBe("diskFill");
    expect(lowerCamel("IO")).toBe("io");
    expect(lowerCamel("DNSChaos")).toBe("dnsChaos");
  });
});
