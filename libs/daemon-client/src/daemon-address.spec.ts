import { formatDaemonAddress, InvalidDaemonAddressError, parseDaemonAddress } from "./daemon-address.js";

describe("parseDaemonAddress", () => {
  it.each([
    ["127.0.0.1:31767", { kind: "tcp", host: "127.0.0.1", port: 31767 }],
    ["daemon.local:1", { kind: "tcp", host: "daemon.local", port: 1 }],
    ["[fd00::1]:31767", { kind: "tcp", host: "fd00::1", port: 31767 }],
    ["unix:/run/d.sock", { kind: "unix", path: "/run/d.sock" }],
  ])("reads %s", (text, address) => {
    expect(parseDaemonAddress(text)).toEqual(address);
    expect(formatDaemonAddress(parseDaemonAddress(text))).toBe(text);
  });

  it.each(["127.0.0.1", "host:0", "host:70000", "unix:relative.sock", "fd00::1:31767", "http://h:1", ""])(
    "refuses %j",
    (text) => {
      expect(() => parseDaemonAddress(text)).toThrow(InvalidDaemonAddressError);
    },
  );
});
