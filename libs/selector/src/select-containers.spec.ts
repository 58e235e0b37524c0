import { pod } from "./pod-fixtures.test-support.js";
import { selectContainers } from "./select-containers.js";
import { SelectorError } from "./selector-error.js";

const id = (n: number): string => `containerd://${String(n).repeat(64)}`;
const web = pod({
  namespace: "shop",
  name: "web-0",
  nodeName: "node-1",
  containers: ["nginx", "exporter"],
  initContainers: ["setup", "log-sidecar"],
  containerIds: { nginx: id(1), exporter: id(2), "log-sidecar": id(3) },
});
const db = pod({ namespace: "shop", name: "db-0", containers: ["postgres", "exporter"], containerIds: { postgres: id(4) } });

describe("selectContainers", () => {
  it("takes each pod's first container when no names are given", () => {
    expect(selectContainers([web, db], undefined)).toEqual([
      {
        recordId: "shop/web-0/nginx",
        namespace: "shop",
        podName: "web-0",
        podUid: "uid-shop-web-0",
        containerName: "nginx",
        containerId: id(1),
        nodeName: "node-1",
      },
      {
        recordId: "shop/db-0/postgres",
        namespace: "shop",
        podName: "db-0",
        podUid: "uid-shop-db-0",
        containerName: "postgres",
        containerId: id(4),
        nodeName: undefined,
      },
    ]);
    expect(selectContainers([web], [])).toEqual(selectContainers([web], undefined));
  });

  it("takes every named container of every pod, once each", () => {
    expect(selectContainers([web, db], ["exporter", "exporter"]).map((t) => t.recordId)).toEqual([
      "shop/web-0/exporter",
      "shop/db-0/exporter",
    ]);
  });

  it("leaves containerId undefined until the container has started", () => {
    expect(selectContainers([db], ["exporter"])[0]?.containerId).toBeUndefined();
  });

  it("can name a sidecar init container", () => {
    expect(selectContainers([web], ["log-sidecar"])).toMatchObject([{ recordId: "shop/web-0/log-sidecar", containerId: id(3) }]);
  });

  it("reports every missing pod and container", () => {
    let error: unknown;
    try {
      selectContainers([web, db], ["nginx", "setup"]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SelectorError);
    expect(error).toMatchObject({
      reason: "ContainerNotFound",
      message:
        'not found: container "setup" in pod shop/web-0; container "nginx" in pod shop/db-0; container "setup" in pod shop/db-0',
      missingContainers: [
        { namespace: "shop", podName: "web-0", containerName: "setup" },
        { namespace: "shop", podName: "db-0", containerName: "nginx" },
        { namespace: "shop", podName: "db-0", containerName: "setup" },
      ],
    });
  });

  it("returns nothing for no pods", () => {
    expect(selectContainers([], ["x"])).toEqual([]);
  });
});
