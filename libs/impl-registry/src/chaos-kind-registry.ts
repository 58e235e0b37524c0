import { kindOf, type ChaosKind, type ManagerKindDefinition, type ManagerKindDeps } from "./chaos-kind.js";
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

/**
 * The chaos kinds a manager serves. Each is registered from its definition, once: the registry
 * makes the entry ({@link kindOf}: names from the CRD, the impl from `definition.manager(deps)`);
 * the manager lists them to watch each kind, and the pipeline looks a kind up per reconcile.
 *
 * @example
 * const kinds = new ChaosKindRegistry().register(helloWorldChaos, deps);
 * kinds.list().map(resourceOf); // [{ group: "chaos-mesh.org", version: "v1alpha1", plural: "helloworldchaos" }]
 * kinds.get("HelloWorldChaos").impl; // what helloWorldChaos.manager(deps) built
 */
export class ChaosKindRegistry {
  readonly #kinds = new Map<string, ChaosKind>();

  /**
   * Adds the kind `definition` describes, its impl built with `deps`; `wrap` sees the entry before
   * it is kept (the manager instruments apply and recover with metrics there). Throws
   * {@link DuplicateChaosKindError} if its kind name or plural is taken, `InvalidChaosKindError` if
   * the definition is incomplete.
   */
  register<T extends ChaosObject>(
    definition: ManagerKindDefinition<T>,
    deps: ManagerKindDeps,
    wrap: (kind: ChaosKind) => ChaosKind = (kind) => kind,
  ): this {
    const kind = wrap(kindOf(definition, deps));
    for (const known of this.#kinds.values()) {
      if (known.kind === kind.kind || known.plural === kind.plural) throw new DuplicateChaosKindError(kind.kind);
    }
    this.#kinds.set(kind.kind, kind);
    return this;
  }

  /** The kind named `kind`; throws {@link UnknownChaosKindError} when it is not registered. */
  get(kind: string): ChaosKind {
    const found = this.#kinds.get(kind);
    if (!found) throw new UnknownChaosKindError(kind, [...this.#kinds.keys()]);
    return found;
  }

  has(kind: string): boolean {
    return this.#kinds.has(kind);
  }

  /** Every registered kind, in registration order. */
  list(): ChaosKind[] {
    return [...this.#kinds.values()];
  }
}
