import { defaultInterceptorPort, defaultInterceptorUid, interceptorArgv, readyPort } from "./interceptor-process.js";

describe("interceptorArgv", () => {
  it("enters only the pod's network namespace, drops root, every capability and new privileges, and runs the resolver on its port", () => {
    const command = { nsenter: "nsenter", setpriv: "setpriv", node: "/usr/bin/node", main: "/app/dns-interceptor-main.js", uid: defaultInterceptorUid, gid: defaultInterceptorUid };
    expect(interceptorArgv(command, "/proc/4242/ns/net", defaultInterceptorPort)).toEqual([
      "nsenter",
      "--net=/proc/4242/ns/net",
      "--",
      "setpriv",
      "--reuid",
      "2000053",
      "--regid",
      "2000053",
      "--clear-groups",
      "--inh-caps=-all",
      "--bounding-set=-all",
      "--no-new-privs",
      "/usr/bin/node",
      "/app/dns-interceptor-main.js",
      "--config",
      "config.json",
      "--host",
      "127.0.0.1",
      "--port",
      "15353",
    ]);
  });
});

describe("readyPort", () => {
  it("finds the ready line among others, and nothing before it", () => {
    expect(readyPort('{"level":"info","message":"loading"}\n{"ready":true,"port":15353}\n')).toBe(15353);
    expect(readyPort('{"level":"info"}\n{"ready":false,"port":15353}\n{"ready":true,"port":')).toBeUndefined();
  });
});
