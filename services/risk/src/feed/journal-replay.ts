import type { eventsV1 } from '@tapeline/contracts';
import { fromJournalEntryEvent } from '@tapeline/journal';
import { RISK_ENGINE_ACTOR } from '@tapeline/risk-checks';
import { parseSetting, settingKey } from '../controls/control-catalog';
import type { ControlBoard } from '../controls/control-board';
import { journalSubject, readKillSwitchState, readLimitSettingState } from '@tapeline/risk-checks';
import type { DailyLossWatch } from '../positions/daily-loss-watch';

const DAY_MICROS = 86_400_000_000;

export type JournalOutcome = 'applied' | 'superseded' | 'other-kind';

/** Key of a kill switch in the replay's bookkeeping, beside the settings' keys. */
export function killSwitchReplayKey(state: { scope: string; target: string }): string {
  return `kill_switch|${journalSubject(state)}`;
}

/**
 * Rebuilds limits and kill switches from the `journal` topic: "limit.change" and "kill_switch"
 * entries, applied through the same path as SetLimit/SetKillSwitch. The topic is keyed by account,
 * so entries of one setting may arrive out of sequence order across partitions: an entry older
 * (by journal sequence) than one already applied for the same setting is skipped. A change this
 * process made itself is already in force: its journal entry (and any older one that arrives before
 * it) is not applied again, so a quick succession of changes never flips back for a moment.
 */
export class JournalReplay {
  private readonly appliedSequence = new Map<string, bigint>();
  private readonly madeHere = new Map<string, string>();
  private count = 0n;
  private minSequence: bigint | undefined;
  private maxSequence: bigint | undefined;

  constructor(
    private readonly board: ControlBoard,
    private readonly watch: DailyLossWatch,
  ) {}

  /** A change made here (SetLimit, SetKillSwitch, a trip) whose journal entry is still to come. */
  noteLocalChange(key: string, value: string): void {
    this.madeHere.set(key, value);
  }

  /** Throws (JournalError, JournalStateError, SettingError) for an entry that cannot be applied. */
  onEntry(event: eventsV1.JournalEntry, nowMicros: number): JournalOutcome {
    this.track(BigInt(event.sequence));
    if (event.kind !== 'limit.change' && event.kind !== 'kill_switch') return 'other-kind';
    const entry = fromJournalEntryEvent(event);
    const at = Number(entry.recordedAtMicros);
    if (entry.kind === 'limit.change') {
      const state = readLimitSettingState(entry.after);
      const setting = parseSetting(state);
      if (!this.isNewest(settingKey(state), entry.sequence, setting.value)) return 'superseded';
      this.board.apply(setting, entry.actor, at);
      return 'applied';
    }
    const state = readKillSwitchState(entry.after);
    if (!this.isNewest(killSwitchReplayKey(state), entry.sequence, String(state.engaged)))
      return 'superseded';
    this.board.setKillSwitch(state, state.engaged, entry.actor, at, state.reason ?? '');
    const trippedByRisk = state.engaged && entry.actor.userId === RISK_ENGINE_ACTOR.userId;
    if (trippedByRisk && Math.floor(at / DAY_MICROS) === Math.floor(nowMicros / DAY_MICROS)) {
      this.watch.restoreTrip(journalSubject(state));
    }
    return 'applied';
  }

  /** Why the entries seen so far are not a gapless run of sequences, or undefined when they are. */
  gap(): string | undefined {
    if (this.minSequence === undefined || this.maxSequence === undefined) return undefined;
    const expected = this.maxSequence - this.minSequence + 1n;
    return this.count >= expected
      ? undefined
      : `journal sequences ${this.minSequence}..${this.maxSequence}: ${expected - this.count} not yet seen`;
  }

  private track(sequence: bigint): void {
    this.count++;
    if (this.minSequence === undefined || sequence < this.minSequence) this.minSequence = sequence;
    if (this.maxSequence === undefined || sequence > this.maxSequence) this.maxSequence = sequence;
  }

  private isNewest(key: string, sequence: bigint, value: string): boolean {
    const last = this.appliedSequence.get(key);
    if (last !== undefined && sequence <= last) return false;
    this.appliedSequence.set(key, sequence);
    const local = this.madeHere.get(key);
    if (local === undefined) return true;
    if (local === value) this.madeHere.delete(key);
    return false;
  }
}
