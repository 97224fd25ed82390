// A FeedSink for the adapters' tests: keeps everything it is given, in arrival order.
import type { FeedSink, FeedStatus, MalformedFrame, RawMarketEvent } from '@tapeline/market';

export class RecordingSink implements FeedSink {
  readonly events: RawMarketEvent[] = [];
  readonly malformed: MalformedFrame[] = [];
  readonly statuses: FeedStatus[] = [];

  onEvent(event: RawMarketEvent): void {
    this.events.push(event);
  }

  onMalformed(frame: MalformedFrame): void {
    this.malformed.push(frame);
  }

  onStatus(status: FeedStatus): void {
    this.statuses.push(status);
  }

  /** Events without the local receive time, which no test can predict. */
  received(filter: (e: RawMarketEvent) => boolean = () => true): Omit<RawMarketEvent, 'receiveTimeMicros'>[] {
    return this.events.filter(filter).map(({ receiveTimeMicros: _, ...rest }) => rest);
  }

  states(): string[] {
    return this.statuses.map((s) => s.state);
  }
}
