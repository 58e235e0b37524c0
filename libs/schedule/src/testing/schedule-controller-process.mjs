// The Schedule controller alone in a process, from the built library, for tests that SIGKILL it:
//   node schedule-controller-process.mjs [--log-format json] <kubeconfig> <kinds.json>
// kinds.json holds [{ crd, oneShot }], what the controller reads of each kind.
import { readFileSync } from "node:fs";
import { ControllerRunner, createKubernetesEventRecorder, silentLogger } from "@faultline/controller";
import { createScheduleController } from "@faultline/schedule";
import { CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";

const [kubeconfigPath, kindsFile] = process.argv.slice(2).filter((a, i, all) => a !== "--log-format" && all[i - 1] !== "--log-format");
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfigPath);
const kinds = JSON.parse(readFileSync(kindsFile, "utf8"));
const controller = createScheduleController({
  customObjects: kubeConfig.makeApiClient(CustomObjectsApi),
  events: createKubernetesEventRecorder(kubeConfig.makeApiClient(CoreV1Api), { onError: () => undefined }),
  logger: silentLogger(),
  kinds,
});
const runner = new ControllerRunner({ kubeConfig, controllers: [controller] });
await runner.start();
process.stdout.write(`${JSON.stringify({ message: "schedule controller started" })}\n`);
process.on("SIGTERM", () => void runner.stop({ graceMs: 1000 }).then(() => process.exit(0)));
