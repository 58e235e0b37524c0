import type { ChaosKind } from "./chaos-kind.js";
import type { ChaosObject } from "./chaos-object.js";

/** Thrown when a kind is registered twice (two apps lines, or two kinds with one name). */
export class DuplicateChaosKindError extends Error {
  override name = "DuplicateChaosKindError";
  constructor(readonly kind: string) {
    super(`chaos kind ${kind} is already registered; register each kind once`);
  }
}

/** Thrown when asking for a kind nobody registered. */
export class UnknownChaosKindError extends Error {
  override name = "UnknownChaosKindError";
  constructor(readonly kind: string, known: readonly string[]) {
    super(`chaos kind ${kind} is not registered (registered: ${known.length ? known.join(", ") : "none"})`);
  }
}

/** Thrown when a kind descriptor is missing something the manager needs. */
export class InvalidChaosKindError extends Error {
  override name = "InvalidChaosKindError";
}

/**
 * The chaos kinds a manager serves. Apps register each kind with one line; the manager lists them
 * to start one watch per kind, and the pipeline looks a kind up per reconcile.
 *
 * @example
 * const kinds = new ChaosKindRegistry().register(helloWorldChaosKind);
 * for (const kind of kinds.list()) startWatch(kind.plural);
 */
export class ChaosKindRegistry {
  readonly #kinds = new Map<string, ChaosKind<any>>();

  /** Adds a kind; throws {@link DuplicateChaosKindError} if its kind name or plural is taken. */
  register<T extends ChaosObject>(kind: ChaosKind<T>): this {
    validateChaosKind(kind);
    for (const known of this.#kinds.values()) {
      if (known.kind === kind.kind || known.plural === kind.plural) throw new DuplicateChaosKindError(kind.kind);
    }
    this.#kinds.set(kind.kind, kind);
    return this;
  }

  /** The kind named `kind`; throws {@link UnknownChaosKindError} when it is not registered. */
  get(kind: string): ChaosKind<any> {
    const found = this.#kinds.get(kind);
    if (!found) throw new UnknownChaosKindError(kind, [...this.#kinds.keys()]);
    return found;
  }

  has(kind: string): boolean {
    return this.#kinds.has(kind);
  }

  /** Every registered kind, in registration order. */
  list(): ChaosKind<any>[] {
    return [...this.#kinds.values()];
  }
}

function validateChaosKind(kind: ChaosKind<any>): void {
  const problems: string[] = [];
  if (!/^[A-Z][A-Za-z0-9]*$/.test(kind.kind ?? "")) problems.push("kind must be a CamelCase name");
  if (!/^[a-z][a-z0-9]*$/.test(kind.plural ?? "")) problems.push("plural must be a lowercase resource name");
  if (typeof kind.oneShot !== "boolean" && typeof kind.oneShot !== "function") problems.push("oneShot must be true, false or a function of the object");
  if (kind.selectorKind !== "pod" && kind.selectorKind !== "container" && typeof kind.selectorKind !== "function") {
    problems.push('selectorKind must be "pod", "container" or a function of the object');
  }
  if (typeof kind.selectors !== "function") problems.push("selectors must be a function");
  if (typeof kind.impl?.apply !== "function" || typeof kind.impl?.recover !== "function") {
    problems.push("impl must have apply and recover");
  }
  if (problems.length) throw new InvalidChaosKindError(`chaos kind ${kind.kind || "(unnamed)"}: ${problems.join("; ")}`);
}
