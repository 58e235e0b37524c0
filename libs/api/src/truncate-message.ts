/**
 * Cuts `message` to at most `max` characters, ending it with how many characters were cut, so a
 * reader knows the text goes on (status messages and Events have size limits; a selector error
 * can quote a 70 KB value).
 *
 * @example
 * truncateMessage("x".repeat(100), 30) // "xxxxxxx… (93 more characters)"
 */
export function truncateMessage(message: string, max: number): string {
  if (message.length <= max) return message;
  const note = (cut: number) => `… (${cut} more characters)`;
  // the note's length depends on the number it carries: size the kept part for the largest one
  const kept = Math.max(0, max - note(message.length).length);
  return message.slice(0, kept) + note(message.length - kept);
}
