/** An Event already written, which later repeats update instead of creating new Events. */
export interface EventSeries {
  namespace: string;
  name: string;
  count: number;
  firstTimestamp: Date;
}

/**
 * The Events written recently, by what makes two Events "the same" (the object, type, reason and
 * message, as client-go's recorder keys them), so a repeat raises the first Event's count instead
 * of adding an Event object. Bounded: the least recently used series are forgotten first, and a
 * forgotten series only means the next repeat starts a new Event.
 */
export class EventSeriesCache {
  private readonly series = new Map<string, EventSeries>();

  constructor(private readonly capacity = 4096) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  /** The key of an Event: who it is about and what it says. */
  static key(involved: { uid?: string; kind?: string; namespace?: string; name?: string }, type: string, reason: string, message: string): string {
    return JSON.stringify([involved.uid ?? "", involved.kind ?? "", involved.namespace ?? "", involved.name ?? "", type, reason, message]);
  }

  get(key: string): EventSeries | undefined {
    const found = this.series.get(key);
    if (found) {
      // most recently used last
      this.series.delete(key);
      this.series.set(key, found);
    }
    return found;
  }

  set(key: string, series: EventSeries): void {
    this.series.delete(key);
    this.series.set(key, series);
    while (this.series.size > this.capacity) {
      const oldest = this.series.keys().next().value as string;
      this.series.delete(oldest);
    }
  }

  delete(key: string): void {
    this.series.delete(key);
  }

  get size(): number {
    return this.series.size;
  }
}
