import { isObjectNotFound } from "@faultline/api";
import { ApiException, type CoreV1Api, type V1Namespace, type V1Node, type V1Pod } from "@kubernetes/client-node";
import { formatFieldSelector } from "./field-selector.js";
import { formatLabelSelector, isEmptyLabelSelector } from "./label-selector.js";
import type { PodQuery, PodSource } from "./pod-source.js";
import { SelectorError } from "./selector-error.js";

/** Options of the Kubernetes PodSource. */
export interface KubernetesPodSourceOptions {
  /** How many objects one list call asks for; longer lists are read page by page. Default 500. */
  pageSize?: number;
}

/** The API server's own words for a failed call, from its Status body. */
function serverMessage(error: ApiException<unknown>): string {
  try {
    const body = typeof error.body === "string" ? JSON.parse(error.body) : error.body;
    if (body && typeof body.message === "string") return body.message;
  } catch {
    // not a Status object
  }
  return `HTTP ${error.code}`;
}

async function readAll<T>(list: (continueToken: string | undefined) => Promise<{ items: T[]; metadata?: { _continue?: string } }>): Promise<T[]> {
  const items: T[] = [];
  let continueToken: string | undefined;
  do {
    const page = await list(continueToken);
    items.push(...page.items);
    continueToken = page.metadata?._continue || undefined;
  } while (continueToken);
  return items;
}

/**
 * A PodSource that reads the API server through the CoreV1Api it is given, so the caller's client
 * settings apply to selection too: its rate limits (`--qps`/`--burst`), User-Agent and credentials.
 * Label and field selectors go to the server in the list calls; a selector the server rejects
 * (HTTP 400) becomes a SelectorError with reason InvalidSelector. Needs get/list on pods, list on
 * nodes and get on namespaces.
 *
 * ```ts
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * const source = createKubernetesPodSource(kubeConfig.makeApiClient(CoreV1Api));
 * ```
 */
export function createKubernetesPodSource(api: CoreV1Api, options: KubernetesPodSourceOptions = {}): PodSource {
  const pageSize = options.pageSize ?? 500;
  const rejectedSelector = (error: unknown): never => {
    if (error instanceof ApiException && error.code === 400) {
      throw new SelectorError("InvalidSelector", `the API server rejected the selector: ${serverMessage(error)}`, {
        cause: error,
      });
    }
    throw error;
  };
  return {
    async listPods(query: PodQuery): Promise<V1Pod[]> {
      const labelSelector =
        query.labelSelector && !isEmptyLabelSelector(query.labelSelector) ? formatLabelSelector(query.labelSelector) : undefined;
      const fieldSelector =
        query.fieldSelector && Object.keys(query.fieldSelector).length > 0 ? formatFieldSelector(query.fieldSelector) : undefined;
      return readAll((continueToken) =>
        api.listNamespacedPod({
          namespace: query.namespace,
          labelSelector,
          fieldSelector,
          limit: pageSize,
          _continue: continueToken,
        }),
      ).catch(rejectedSelector);
    },
    async readPod(namespace: string, name: string): Promise<V1Pod | undefined> {
      try {
        return await api.readNamespacedPod({ namespace, name });
      } catch (error) {
        if (isObjectNotFound(error, name)) return undefined;
        throw error;
      }
    },
    async listNodes(labels: Readonly<Record<string, string>>): Promise<V1Node[]> {
      const labelSelector = Object.keys(labels).length > 0 ? formatLabelSelector({ matchLabels: labels }) : undefined;
      return readAll((continueToken) => api.listNode({ labelSelector, limit: pageSize, _continue: continueToken })).catch(
        rejectedSelector,
      );
    },
    async getNamespace(name: string): Promise<V1Namespace | undefined> {
      try {
        return await api.readNamespace({ name });
      } catch (error) {
        if (isObjectNotFound(error, name)) return undefined;
        throw error;
      }
    },
  };
}
