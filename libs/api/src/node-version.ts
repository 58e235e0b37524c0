/** Whether a Node.js version ("20.20.2", "v24.1.0") is at least `minimum` ("22.19.0"). */
export function nodeVersionAtLeast(current: string, minimum: string): boolean {
  const parse = (version: string) => {
    const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
    if (!match) throw new Error(`not a Node.js version: ${JSON.stringify(version)}`);
    return [Number(match[1]), Number(match[2]), Number(match[3])];
  };
  const have = parse(current);
  const need = parse(minimum);
  for (let i = 0; i < 3; i++) {
    if (have[i]! !== need[i]!) return have[i]! > need[i]!;
  }
  return true;
}

/** Where {@link requireNodeVersion} reports and how it ends the process; the process's own by default. */
export interface NodeVersionGuardIo {
  current?: string;
  writeError?: (line: string) => void;
  exit?: (code: number) => never;
}

/**
 * Ends the process with one clear line on stderr, and exit code 1, when Node.js is older than
 * `minimum`. Meant for the first import of a program, before any dependency that needs the newer
 * Node is loaded and fails deep inside with an unrelated TypeError.
 *
 * @example
 * requireNodeVersion("faultline-manager", "22.19.0");
 */
export function requireNodeVersion(program: string, minimum: string, io: NodeVersionGuardIo = {}): void {
  const current = io.current ?? process.versions.node;
  if (nodeVersionAtLeast(current, minimum)) return;
  (io.writeError ?? ((line) => process.stderr.write(line)))(`${program} needs Node.js ${minimum} or newer; this is Node.js ${current.replace(/^v/, "")}\n`);
  (io.exit ?? ((code) => process.exit(code)))(1);
}
