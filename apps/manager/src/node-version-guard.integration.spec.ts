// Both built binaries on a Node.js older than they need (the machine's own /usr/bin/node here is
// 20.x; FAULTLINE_OLD_NODE names another): one clear line and exit code 1, not a TypeError from
// deep inside a dependency. Also: the guard's version is the one package.json's engines states.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { nodeVersionAtLeast } from "@faultline/api/node-version";
import { minimumNodeVersion as daemonMinimum } from "../../daemon/src/node-version-guard.js";
import { minimumNodeVersion as managerMinimum } from "./node-version-guard.js";

const apps = fileURLToPath(new URL("../../", import.meta.url));
const oldNode = process.env["FAULTLINE_OLD_NODE"] ?? "/usr/bin/node";

describe.each([
  ["faultline-manager", "manager", managerMinimum],
  ["faultline-daemon", "daemon", daemonMinimum],
])("%s on an older Node.js", (program, app, minimum) => {
  it("states the same minimum in package.json's engines as its guard enforces", () => {
    const engines = (JSON.parse(readFileSync(`${apps}${app}/package.json`, "utf8")) as { engines: { node: string } }).engines;
    expect(engines.node).toBe(`>=${minimum}`);
  });

  it("refuses to start with one line naming the Node.js it needs", () => {
    if (!existsSync(oldNode)) throw new Error(`no older Node.js at ${oldNode}: set FAULTLINE_OLD_NODE to one older than ${minimum}`);
    const version = execFileSync(oldNode, ["--version"], { encoding: "utf8" }).trim();
    if (nodeVersionAtLeast(version, minimum)) throw new Error(`${oldNode} is ${version}, not older than ${minimum}: set FAULTLINE_OLD_NODE`);
    const run = spawnSync(oldNode, [`${apps}${app}/dist/main.js`, "--help"], { encoding: "utf8", timeout: 30_000 });
    expect({ status: run.status, stderr: run.stderr }).toEqual({
      status: 1,
      stderr: `${program} needs Node.js ${minimum} or newer; this is Node.js ${version.replace(/^v/, "")}\n`,
    });
  });
});
