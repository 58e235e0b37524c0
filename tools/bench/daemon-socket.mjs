// Benchmark support: waiting for a daemon started without a ready log line (--log-level warn).
import net from "node:net";

/** Resolves once a unix socket accepts a connection; throws after 15 s. */
export async function waitForSocket(path) {
  for (let i = 0; i < 150; i++) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(path, () => (s.end(), resolve(true)));
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("daemon did not start");
}
