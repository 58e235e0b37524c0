/** Thrown for a `criteria.statusCode` that is neither one code nor a range of codes 1–999. */
export class InvalidStatusCodeCriteriaError extends Error {
  override name = "InvalidStatusCodeCriteriaError";
  constructor(readonly criteria: string) {
    super(`invalid status code criteria ${JSON.stringify(criteria)}: expected a code such as "200" or an inclusive range such as "200-399" (codes 1–999)`);
  }
}

/** The inclusive range of status codes a criteria string accepts. */
export interface StatusCodeRange {
  low: number;
  high: number;
}

/**
 * Parses `criteria.statusCode` as Chaos Mesh reads it: one code ("200") or an inclusive range
 * ("200-399", both ends included), every code 1–999 (the CRD refuses anything else at admission).
 *
 * @example
 * parseStatusCodeCriteria("200-399") // { low: 200, high: 399 }
 */
export function parseStatusCodeCriteria(criteria: string): StatusCodeRange {
  const match = /^([0-9]{1,3})(?:-([0-9]{1,3}))?$/.exec(criteria);
  if (!match) throw new InvalidStatusCodeCriteriaError(criteria);
  const low = Number(match[1]);
  const high = match[2] === undefined ? low : Number(match[2]);
  if (low < 1 || high < low) throw new InvalidStatusCodeCriteriaError(criteria);
  return { low, high };
}

/** Whether a response's status code meets the criteria. */
export function statusCodeMeets(criteria: StatusCodeRange, statusCode: number): boolean {
  return statusCode >= criteria.low && statusCode <= criteria.high;
}
