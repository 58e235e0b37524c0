/**
 * Quotes untrusted input for an error message: JSON-escaped, so newlines and control characters
 * stay visible, and cut to 100 characters so a hostile id cannot flood a log.
 */
export function quoteInput(input: string): string {
  const max = 100;
  return input.length > max ? `${JSON.stringify(input.slice(0, max))}… (${input.length} chars)` : JSON.stringify(input);
}
