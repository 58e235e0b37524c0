/**
 * A kind's apply may decline a record for now instead of injecting it: a guard rail of the kind
 * (PodChaos and a PodDisruptionBudget) says it would do more harm than the experiment allows.
 * Thrown from `apply`, these are not failures of the kind; the pipeline says what happened in an
 * Event of their own.
 */

/** Prefix of the record event message of a waiting apply; the pipeline retries it at least every {@link waitingRetryMs}. */
export const waitingMessagePrefix = "waiting: ";

/** The longest a waiting record waits before it is tried again (its backoff, capped at this). */
export const waitingRetryMs = 10_000;

/**
 * The record waits: nothing was injected, it stays Not Injected and is tried again (at most every
 * {@link waitingRetryMs}). The pipeline sends a Normal `Waiting` Event with the message (which must
 * say what it waits for, e.g. the PodDisruptionBudget).
 */
export class ApplyWaiting extends Error {
  override readonly name = "ApplyWaiting";
}

/** The phase of a skipped record: not injected, and not applied again while the experiment runs. */
export const skippedPhase = "Not Injected/Skipped";

/**
 * The record is skipped: nothing was injected, its phase becomes {@link skippedPhase}, which the
 * pipeline does not apply again while the experiment runs (a pause and resume, which recovers it
 * to Not Injected, tries it again). The pipeline sends a Normal `Skipped` Event with the message.
 */
export class ApplySkipped extends Error {
  override readonly name = "ApplySkipped";
}
