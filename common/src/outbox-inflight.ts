/**
 * Where an entry the relay has taken up is, between "pending" as storage
 * last showed it and the outcome storage shows once it is recorded:
 *
 *     (pending) ──claim──▶ publishing ──published / rejected──▶ recording ──recorded──▶ recorded
 *         ▲                     │                                                          │
 *         └──── released ───────┘ (Kafka away: try again later)     the next read begins ──┘
 *
 * A read of pending entries that began before an outcome was recorded may
 * still return the entry as pending, so a recorded entry is forgotten only
 * when the next read begins: that read sees it as published or failed. Until
 * then, a claim passes over it, which is what keeps the relay from
 * publishing it twice. If recording fails, the entry is forgotten all the
 * same, read as pending again and published again: a duplicate consumers
 * recognise by the event id, never a loss.
 */
export type InFlightStage = 'publishing' | 'recording' | 'recorded';

export class InFlightEntries {
  private readonly stages = new Map<string, InFlightStage>();

  /** The stage of an entry, or undefined when the relay holds nothing about it (storage has the last word). */
  stageOf(id: string): InFlightStage | undefined {
    return this.stages.get(id);
  }

  /** A read of pending entries is about to begin: outcomes recorded so far will be visible to it. */
  readBegins(): void {
    for (const [id, stage] of this.stages) if (stage === 'recorded') this.stages.delete(id);
  }

  /** Takes up the entries of a read that no stage holds; returns them, in the order given, now `publishing`. */
  claim<E extends { id: string }>(entries: readonly E[]): E[] {
    const claimed = entries.filter((e) => !this.stages.has(e.id));
    for (const e of claimed) this.stages.set(e.id, 'publishing');
    return claimed;
  }

  /** The topic has them (published), or refused them for good (rejected): their outcome is being recorded. */
  settled(ids: readonly string[]): void {
    this.move(ids, 'publishing', 'recording');
  }

  /** Publishing did not happen (Kafka away): pending again, for a later attempt. */
  released(ids: readonly string[]): void {
    this.move(ids, 'publishing', undefined);
  }

  /** Recording is over, successful or not; the next read decides what they are. */
  recorded(ids: readonly string[]): void {
    this.move(ids, 'recording', 'recorded');
  }

  private move(ids: readonly string[], from: InFlightStage, to: InFlightStage | undefined): void {
    for (const id of ids) {
      const stage = this.stages.get(id);
      if (stage !== from) throw new Error(`outbox entry ${id} is ${stage ?? 'pending'}, not ${from}`);
    }
    for (const id of ids) {
      if (to) this.stages.set(id, to);
      else this.stages.delete(id);
    }
  }
}
