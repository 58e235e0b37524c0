import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease, type V1ObjectMeta, type V1OwnerReference } from "@kubernetes/client-node";
import { abortableDelay } from "./abortable-delay.js";
import { errorFields, silentLogger, type Logger } from "./logger.js";
import { makeRateLimitedApiClient } from "./rate-limited-api-client.js";
import type { TokenBucket } from "./token-bucket.js";

/** Options of a {@link LeaderElector}; the durations mean what they mean in client-go. */
export interface LeaderElectorOptions {
  kubeConfig: KubeConfig;
  /** This candidate's name in the Lease's `holderIdentity`; unique per process (e.g. the pod name plus a random suffix). */
  identity: string;
  /** The coordination.k8s.io/v1 Lease that elects the leader. */
  leaseName: string;
  leaseNamespace: string;
  /** How long others wait, after the last renewal they observed, before taking over. Default 15 s. */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it gives leadership up. Default 10 s. */
  renewDeadlineMs?: number;
  /** How often candidates try to acquire, and the leader renews. Default 2 s. */
  retryPeriodMs?: number;
  /**
   * Called once leadership is won. `signal` aborts when it is lost or given up; start the
   * controllers here and stop them when it aborts.
   */
  onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  /** Called once leadership ends (lost, or given up by `stop()`), only after `onStartedLeading`. */
  onStoppedLeading?: () => void;
  /** Called when the elector sees a different leader than before (including itself). */
  onNewLeader?: (identity: string) => void;
  /** Give the lease up on `stop()` so another candidate takes over at once. Default true. */
  releaseOnStop?: boolean;
  /**
   * What the leader does when the renew deadline passes while the API server cannot answer at all
   * (no response, or a 5xx: it or etcd is down). `"keep"` (default): lead on and keep renewing;
   * the first answer decides — the lease still ours (nobody could write it meanwhile) and the
   * leader renews, or someone else's and leadership is lost. `"give-up"`: client-go's behaviour,
   * leadership ends at the deadline whatever the cause. Either way a 409 or another holder seen in
   * the lease ends leadership. (Trade-off of `"keep"`: in a partition that cuts only this leader
   * off, another candidate takes over after `leaseDurationMs` while this one still believes it
   * leads; it cannot read or write any chaos object meanwhile, only finish calls already started.)
   */
  whenApiUnreachable?: "keep" | "give-up";
  /**
   * The Lease's owner (for example the manager's Deployment), set as its ownerReference on every
   * write so that the garbage collector deletes the Lease with its owner: `helm uninstall` then
   * leaves no Lease behind. Asked again on later writes until it answers; while it fails the Lease
   * is written without an owner (logged once).
   */
  leaseOwner?: () => Promise<V1OwnerReference>;
  /** Take a token from this bucket before every Lease request. */
  rateLimiter?: TokenBucket;
  logger?: Logger;
}

/** Options of {@link LeaderElector.stop}. */
export interface LeaderElectorStopOptions {
  /** Override `releaseOnStop` for this stop. `false` leaves the lease to expire, as a crash would. */
  release?: boolean;
}

function isStatus(error: unknown, code: number): boolean {
  return (error as { code?: number } | undefined)?.code === code;
}

/** No HTTP answer at all, or one saying the API server (or etcd behind it) cannot serve anyone. */
function isUnreachable(error: unknown): boolean {
  // a request aborted by its timeout: a DOMException, whose legacy numeric `code` (23) is no HTTP status
  const name = (error as { name?: unknown } | undefined)?.name;
  if (name === "TimeoutError" || name === "AbortError") return true;
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code !== "number" || code >= 500 || code === 429;
}

/**
 * Lease-based leader election, as client-go's leaderelection package: candidates try every
 * `retryPeriodMs` to acquire the Lease; a lease held by someone else is taken over only once
 * `leaseDurationMs` has passed (on this candidate's own clock) without that holder renewing it;
 * the leader renews every `retryPeriodMs` and gives up when it has not renewed for
 * `renewDeadlineMs`. Updates carry the lease's resourceVersion, so two candidates never both win.
 *
 * @example
 * const elector = new LeaderElector({ kubeConfig, identity: `${hostname()}-${randomUUID()}`,
 *   leaseName: "faultline-manager", leaseNamespace: "chaos-mesh",
 *   onStartedLeading: (signal) => startControllers(signal),
 *   onStoppedLeading: () => process.exit(0) });
 * void elector.run();
 * process.on("SIGTERM", () => void elector.stop()); // releases the lease
 */
export class LeaderElector {
  private readonly options: LeaderElectorOptions;
  private readonly api: CoordinationV1Api;
  private readonly logger: Logger;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly stopping = new AbortController();
  private release: boolean;
  private leading: AbortController | undefined;
  private running: Promise<void> | undefined;
  /** The lease as last read or written, and when this candidate saw it change. */
  private observed: { holder: string; renewTime: string; transitions: number; at: number } | undefined;
  private lastLeader: string | undefined;
  /** How the last acquire-or-renew attempt ended. */
  private lastAttempt: "ok" | "held" | "conflict" | "refused" | "unreachable" = "ok";
  private owner: V1OwnerReference | undefined;
  private ownerFailureLogged = false;

  constructor(options: LeaderElectorOptions) {
    this.options = options;
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (!(this.leaseDurationMs > this.renewDeadlineMs)) throw new RangeError("LeaderElector: leaseDurationMs must be greater than renewDeadlineMs");
    if (!(this.renewDeadlineMs > this.retryPeriodMs * 1.2)) throw new RangeError("LeaderElector: renewDeadlineMs must be greater than 1.2 × retryPeriodMs");
    if (!options.identity) throw new Error("LeaderElector: identity must not be empty");
    this.release = options.releaseOnStop ?? true;
    this.api = options.rateLimiter
      ? makeRateLimitedApiClient(options.kubeConfig, CoordinationV1Api, options.rateLimiter)
      : options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.logger = options.logger ?? silentLogger();
  }

  /** Whether this candidate leads now. */
  get isLeader(): boolean {
    return this.leading !== undefined && !this.leading.signal.aborted;
  }

  /** The leader this candidate last saw in the lease ("" when nobody holds it). */
  get observedLeader(): string | undefined {
    return this.observed?.holder;
  }

  /**
   * Campaigns until leadership is won, leads until it is lost or `stop()` is called, then
   * resolves. Like client-go, one elector leads at most once: a process that loses leadership is
   * expected to exit (its controllers may have acted on stale state) and be restarted.
   */
  run(): Promise<void> {
    this.running ??= this.campaign();
    return this.running;
  }

  /**
   * Stops campaigning or leading; when leading, aborts the `onStartedLeading` signal, releases the
   * lease (unless told not to) and calls `onStoppedLeading`. Resolves once all that is done.
   */
  async stop(options: LeaderElectorStopOptions = {}): Promise<void> {
    if (options.release !== undefined) this.release = options.release;
    this.stopping.abort();
    await this.running;
  }

  private async campaign(): Promise<void> {
    const stop = this.stopping.signal;
    this.logger.info("campaigning for leadership", { lease: this.leaseRef(), identity: this.options.identity });
    while (!stop.aborted) {
      if (await this.tryAcquireOrRenew()) break;
      await abortableDelay(this.retryPeriodMs * (1 + Math.random() * 0.2), stop);
    }
    if (stop.aborted) return;

    const leading = new AbortController();
    this.leading = leading;
    this.logger.info("became leader", { lease: this.leaseRef(), identity: this.options.identity });
    const work = Promise.resolve()
      .then(() => this.options.onStartedLeading(leading.signal))
      .catch((error: unknown) => this.logger.error("onStartedLeading failed", errorFields(error)));

    let lastRenewal = performance.now();
    let outageLogged = false;
    const keepThroughOutages = (this.options.whenApiUnreachable ?? "keep") === "keep";
    while (!stop.aborted) {
      await abortableDelay(this.retryPeriodMs, stop);
      if (stop.aborted) break;
      if (await this.tryAcquireOrRenew()) {
        if (outageLogged) this.logger.info("lease renewed after the API server came back", { lease: this.leaseRef(), identity: this.options.identity, unrenewedForMs: Math.round(performance.now() - lastRenewal) });
        lastRenewal = performance.now();
        outageLogged = false;
      } else if (this.observed && this.observed.holder !== this.options.identity && this.observed.holder !== "") {
        this.logger.warn("lost leadership", { lease: this.leaseRef(), identity: this.options.identity, holder: this.observed.holder });
        break;
      } else if (performance.now() - lastRenewal > this.renewDeadlineMs) {
        if (keepThroughOutages && this.lastAttempt === "unreachable") {
          if (!outageLogged) {
            outageLogged = true;
            this.logger.warn("API server unreachable past the renew deadline: leading on until it answers", { lease: this.leaseRef(), identity: this.options.identity });
          }
          continue;
        }
        this.logger.warn("lost leadership", { lease: this.leaseRef(), identity: this.options.identity, holder: this.observed?.holder, lastAttempt: this.lastAttempt });
        break;
      }
    }

    leading.abort(new Error("leadership ended"));
    if (stop.aborted && this.release) await this.releaseLease();
    await work;
    this.options.onStoppedLeading?.();
  }

  private leaseRef(): string {
    return `${this.options.leaseNamespace}/${this.options.leaseName}`;
  }

  private observe(lease: V1Lease): void {
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? "";
    const renewTime = spec.renewTime ? new Date(spec.renewTime).toISOString() : "";
    const transitions = spec.leaseTransitions ?? 0;
    const o = this.observed;
    if (!o || o.holder !== holder || o.renewTime !== renewTime || o.transitions !== transitions) {
      this.observed = { holder, renewTime, transitions, at: performance.now() };
    }
    if (holder && holder !== this.lastLeader) {
      this.lastLeader = holder;
      this.options.onNewLeader?.(holder);
    }
  }

  /** The Lease's metadata with its owner set, once the owner is known. */
  private async metadata(metadata: V1ObjectMeta): Promise<V1ObjectMeta> {
    if (!this.owner && this.options.leaseOwner) {
      try {
        this.owner = await this.options.leaseOwner();
      } catch (error) {
        if (!this.ownerFailureLogged) {
          this.ownerFailureLogged = true;
          this.logger.warn("could not find the lease's owner; the lease is written without one for now", { lease: this.leaseRef(), ...errorFields(error) });
        }
      }
    }
    if (!this.owner) return metadata;
    const others = (metadata.ownerReferences ?? []).filter((o) => o.uid !== this.owner!.uid);
    return { ...metadata, ownerReferences: [...others, this.owner] };
  }

  private spec(previous: V1Lease | undefined): V1Lease["spec"] {
    const now = new V1MicroTime();
    const old = previous?.spec;
    const keepsHolder = old?.holderIdentity === this.options.identity;
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: keepsHolder && old?.acquireTime ? new V1MicroTime(old.acquireTime) : now,
      renewTime: now,
      leaseTransitions: (old?.leaseTransitions ?? 0) + (keepsHolder || !old ? 0 : 1),
    };
  }

  /** One attempt: create the lease, renew our own, or take over an expired or released one. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { leaseName: name, leaseNamespace: namespace, identity } = this.options;
    try {
      let lease: V1Lease;
      try {
        lease = await this.api.readNamespacedLease({ name, namespace });
      } catch (error) {
        if (!isStatus(error, 404)) throw error;
        const created = await this.api.createNamespacedLease({ namespace, body: { metadata: await this.metadata({ name, namespace }), spec: this.spec(undefined) } });
        this.observe(created);
        this.lastAttempt = "ok";
        return true;
      }
      this.observe(lease);
      const holder = lease.spec?.holderIdentity ?? "";
      const held = holder !== "" && holder !== identity;
      const durationMs = (lease.spec?.leaseDurationSeconds ?? Math.ceil(this.leaseDurationMs / 1000)) * 1000;
      if (held && performance.now() < this.observed!.at + durationMs) {
        this.lastAttempt = "held";
        return false;
      }
      const updated = await this.api.replaceNamespacedLease({ name, namespace, body: { metadata: await this.metadata(lease.metadata ?? { name, namespace }), spec: this.spec(lease) } });
      this.observe(updated);
      if (held) this.logger.info("took over an expired lease", { lease: this.leaseRef(), identity, previous: holder });
      this.lastAttempt = "ok";
      return true;
    } catch (error) {
      this.lastAttempt = isStatus(error, 409) ? "conflict" : isUnreachable(error) ? "unreachable" : "refused";
      // 409: another candidate wrote first; anything else: the API server is unreachable or refuses
      if (!isStatus(error, 409)) this.logger.warn("lease request failed", { lease: this.leaseRef(), identity, ...errorFields(error) });
      return false;
    }
  }

  /** Gives the lease up: empty holder, so the next candidate acquires it on its next try. */
  private async releaseLease(): Promise<void> {
    const { leaseName: name, leaseNamespace: namespace, identity } = this.options;
    try {
      const lease = await this.api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      const now = new V1MicroTime();
      await this.api.replaceNamespacedLease({
        name,
        namespace,
        body: {
          metadata: lease.metadata,
          spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
        },
      });
      this.logger.info("released the lease", { lease: this.leaseRef(), identity });
    } catch (error) {
      this.logger.warn("could not release the lease; it will expire", { lease: this.leaseRef(), identity, ...errorFields(error) });
    }
  }
}
