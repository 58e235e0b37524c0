// The session secret of kubeconfig mode: the server prints `http://127.0.0.1:7070/?session=<secret>`;
// the UI takes `?session=` from the address once, keeps it in sessionStorage (this tab only) and
// removes it from the address bar, so it is neither bookmarked nor shown over a shoulder.
import { sessionKey, tokenKey } from "./kube-client.js";

export interface AddressBar {
  search: string;
  pathname: string;
  hash: string;
}

/**
 * Moves `?session=` from the address into `storage`; returns the address to put in its place
 * (the same path, the other query parameters kept, the hash kept), or undefined when there was none.
 */
export function adoptSessionFromAddress(address: AddressBar, storage: Pick<Storage, "setItem">): string | undefined {
  const query = new URLSearchParams(address.search);
  const session = query.get("session");
  if (session === null) return undefined;
  if (session !== "") storage.setItem(sessionKey, session);
  query.delete("session");
  const rest = query.toString();
  return `${address.pathname}${rest === "" ? "" : `?${rest}`}${address.hash}`;
}

/** The bearer token of token mode, kept for this tab only. */
export const storedToken = (storage: Pick<Storage, "getItem">) => storage.getItem(tokenKey) || undefined;
export const storedSession = (storage: Pick<Storage, "getItem">) => storage.getItem(sessionKey) || undefined;

/** Keeps the token typed into the sign-in form (trimmed; a "Bearer " prefix pasted with it removed). */
export function storeToken(storage: Pick<Storage, "setItem">, token: string): string {
  const clean = token.trim().replace(/^Bearer\s+/i, "");
  if (clean === "") throw new Error("token: paste a bearer token (for example from kubectl create token <serviceaccount>)");
  if (/\s/.test(clean)) throw new Error("token: a bearer token has no spaces or line breaks");
  storage.setItem(tokenKey, clean);
  return clean;
}
