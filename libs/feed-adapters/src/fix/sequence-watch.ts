// Watches the inbound MsgSeqNum of a market data session for anything that may have lost market
// data. jspurefix forwards the message that reveals a gap before the resent ones arrive, so the
// gap has to be noticed where every inbound message (admin ones included) passes.

import type { MsgView } from 'jspurefix';

// MsgType (35) values; jspurefix's MsgType enum is not imported here so that loading this module stays cheap.
const LOGON = 'A';
const SEQUENCE_RESET = '4';

export class SequenceWatch {
  /** MsgSeqNum the next fresh (not replayed) inbound message should carry; 0 before logon. */
  private expectedSeq = 0;

  /** `onBreak`: inbound messages may have been lost (sequence gap, reset, new logon): depth chains must restart. */
  constructor(private readonly onBreak: (reason: string) => void) {}

  /** A new session: nothing is expected yet. */
  reset(): void {
    this.expectedSeq = 0;
  }

  inbound(msgType: string, view: MsgView): void {
    const seq = Number(view.getString(34));
    if (!Number.isSafeInteger(seq) || view.getString(43) === 'Y') return; // replays do not move the expectation
    if (msgType === LOGON) {
      this.onBreak('logon');
    } else if (msgType === SEQUENCE_RESET) {
      this.onBreak(`SequenceReset to ${view.getString(36)}`);
      this.expectedSeq = Number(view.getString(36));
      return;
    } else if (this.expectedSeq !== 0 && seq > this.expectedSeq) {
      this.onBreak(`MsgSeqNum ${seq} arrived, ${this.expectedSeq} expected`);
    }
    this.expectedSeq = seq + 1;
  }
}
