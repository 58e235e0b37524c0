// The first import of main.ts: an older Node.js gets one clear line and exit code 1 before any
// dependency loads (@kubernetes/client-node's undici 8 needs Node.js 22.19 and otherwise dies on an
// older one with a TypeError from deep inside). Keep the version equal to package.json's engines.
import { requireNodeVersion } from "@faultline/api/node-version";

export const minimumNodeVersion = "22.19.0";

requireNodeVersion("faultline-manager", minimumNodeVersion);
