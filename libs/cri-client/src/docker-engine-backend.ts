import * as http from "node:http";
import type { ContainerRef } from "./container-ref.js";
import type { ContainerRuntimeBackend } from "./container-runtime-backend.js";
import { ContainerNotFoundError, ContainerNotRunningError, RuntimeUnreachableError } from "./container-runtime-error.js";
import { quoteInput } from "./quote-input.js";
import { describeUnreachableCause } from "./runtime-unreachable-cause.js";

/** The largest response body read from the Engine API; an inspect document is a few KiB. */
const maxBodyBytes = 4 * 1024 * 1024;

interface EngineResponse {
  status: number;
  body: string;
}

/**
 * The backend for the Docker Engine API over its unix socket (unversioned paths, so the engine
 * answers with its own API version): `GET /containers/{id}/json` for `State.Pid` and
 * `State.Running`, `POST /containers/{id}/kill?signal=SIGKILL` to kill.
 */
export function createDockerEngineBackend(socketPath: string, timeoutMs: number): ContainerRuntimeBackend {
  // one connection per request: a unix socket connects in microseconds, and nothing idles open
  const agent = new http.Agent({ keepAlive: false });

  async function request(ref: ContainerRef, method: string, path: string, signal: AbortSignal | undefined) {
    try {
      return await engineRequest(agent, socketPath, method, path, timeoutMs, signal);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (error instanceof EngineTimeoutError) {
        throw new RuntimeUnreachableError(ref.raw, socketPath, `no answer within ${timeoutMs} ms`, { cause: error });
      }
      const unreachable = describeUnreachableCause(error);
      if (unreachable !== undefined) throw new RuntimeUnreachableError(ref.raw, socketPath, unreachable, { cause: error });
      throw error;
    }
  }

  function failure(ref: ContainerRef, what: string, response: EngineResponse): Error {
    const message = engineMessage(response);
    if (response.status === 404) {
      return new ContainerNotFoundError(ref.raw, `container ${quoteInput(ref.raw)} not found by the Docker engine at ${socketPath}: ${message}`);
    }
    if (response.status === 409) {
      return new ContainerNotRunningError(ref.raw, `container ${quoteInput(ref.raw)} is not running: ${message}`);
    }
    return new Error(`Docker engine at ${socketPath} failed to ${what} container ${quoteInput(ref.raw)}: HTTP ${response.status}: ${message}`);
  }

  return {
    killsByPid: false,
    async getPid(ref, signal) {
      const response = await request(ref, "GET", `/containers/${ref.id}/json`, signal);
      if (response.status !== 200) throw failure(ref, "inspect", response);
      const state = parseState(response.body);
      if (state?.Running !== true) {
        const status = typeof state?.Status === "string" ? state.Status : "unknown";
        throw new ContainerNotRunningError(ref.raw, `container ${quoteInput(ref.raw)} is not running: state ${JSON.stringify(status)}`);
      }
      const pid = state.Pid;
      if (typeof pid !== "number" || !Number.isSafeInteger(pid) || pid <= 0) {
        throw new Error(`Docker engine at ${socketPath} reports container ${quoteInput(ref.raw)} running but gave no pid`);
      }
      return pid;
    },
    async kill(ref, signal) {
      const response = await request(ref, "POST", `/containers/${ref.id}/kill?signal=SIGKILL`, signal);
      if (response.status !== 204 && response.status !== 200) throw failure(ref, "kill", response);
    },
    close() {
      agent.destroy();
    },
  };
}

class EngineTimeoutError extends Error {}

function engineRequest(
  agent: http.Agent,
  socketPath: string,
  method: string,
  path: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<EngineResponse> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const req = http.request({ agent, socketPath, method, path, headers: { host: "docker", accept: "application/json" }, signal });
    const timer = setTimeout(() => req.destroy(new EngineTimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on("close", () => clearTimeout(timer));
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBodyBytes) {
          req.destroy(new Error(`Docker engine response larger than ${maxBodyBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on("error", reject);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.end();
  });
}

function parseState(body: string): { Running?: unknown; Pid?: unknown; Status?: unknown } | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const state = typeof parsed === "object" && parsed !== null ? (parsed as { State?: unknown }).State : undefined;
    return typeof state === "object" && state !== null ? state : undefined;
  } catch {
    return undefined;
  }
}

/** The Engine API reports errors as `{"message": "..."}`. */
function engineMessage(response: EngineResponse): string {
  try {
    const parsed: unknown = JSON.parse(response.body);
    const message = typeof parsed === "object" && parsed !== null ? (parsed as { message?: unknown }).message : undefined;
    if (typeof message === "string") return message;
  } catch {
    // not JSON: fall through to the raw body
  }
  return response.body.slice(0, 200) || "(empty body)";
}
