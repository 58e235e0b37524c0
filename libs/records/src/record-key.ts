/** What names a record: its target and its selector (a target two selectors chose has a record for each). */
export const recordKey = (record: { id: string; selectorKey: string }): string => `${record.selectorKey}\n${record.id}`;

/** The error's message, or the thrown value as text. */
export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
