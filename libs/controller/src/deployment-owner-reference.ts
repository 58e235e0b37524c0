import type { AppsV1Api, V1OwnerReference } from "@kubernetes/client-node";

/**
 * An ownerReference to a Deployment, read from the API server (its uid is only known there): an
 * object carrying it is deleted by the garbage collector once the Deployment is gone. Not a
 * controller reference and no blockOwnerDeletion, which would need rights on the Deployment's
 * finalizers.
 */
export async function deploymentOwnerReference(apps: AppsV1Api, namespace: string, name: string): Promise<V1OwnerReference> {
  const deployment = await apps.readNamespacedDeployment({ namespace, name });
  const uid = deployment.metadata?.uid;
  if (!uid) throw new Error(`Deployment ${namespace}/${name} has no uid`);
  return { apiVersion: "apps/v1", kind: "Deployment", name, uid };
}
