import type { ChaosKindDefinition } from "@faultline/chaos-kind";
import { ControllerRunner, createKubernetesEventRecorder, silentLogger, type Logger } from "@faultline/controller";
import { createScheduleController, parseSchedule } from "@faultline/schedule";
import { CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";

/** The next `count` runs of a Schedule's `spec.schedule` after `from`, as the controller computes them. */
export function nextRuns(schedule: string, from: Date, count: number): Date[] {
  const cron = parseSchedule(schedule); // throws ScheduleParseError: "parse schedule field error: …"
  const runs: Date[] = [];
  for (let at = cron.next(from); at && runs.length < count; at = cron.next(at)) runs.push(at);
  return runs;
}

/** Runs the Schedule controller over `kinds` (the manager passes its catalog) until the returned function is called. */
export async function runSchedules(kubeconfigPath: string, kinds: readonly ChaosKindDefinition[], logger: Logger = silentLogger()): Promise<() => Promise<void>> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const controller = createScheduleController({
    customObjects: kubeConfig.makeApiClient(CustomObjectsApi), // the manager passes its rate-limited client
    events: createKubernetesEventRecorder(kubeConfig.makeApiClient(CoreV1Api)),
    logger,
    kinds,
  });
  const runner = new ControllerRunner({ kubeConfig, controllers: [controller] });
  await runner.start();
  return () => runner.stop();
}
