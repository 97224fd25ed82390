// Commands of a simulated venue that are no order's transition (seeding a book from the market,
// GTD expiry, end of day) are journaled on their own, as `venue.command` entries, in the same
// synchronous step as they are applied: the restart replay then feeds them to the fresh venue
// between the order commands exactly where they happened, and the books and reports come back.
import type { JournalActor, JournalDraft, JournalEntry, JsonObject } from '@tapeline/journal';
import { decodeCommand, encodeCommand, type SimulatedVenueCommand } from '@tapeline/venues';

const OMS_ACTOR: JournalActor = { userId: 'oms', clientId: 'oms', desk: '', role: 'system' };

/** The journal entry of a venue command (the oms is the actor; the venue is the subject). */
export function venueCommandDraft(venue: string, command: SimulatedVenueCommand): JournalDraft {
  const instrumentId = command.kind === 'seed' ? command.instrumentId : '';
  return {
    kind: 'venue.command',
    actor: OMS_ACTOR,
    requestId: `${command.kind}:${venue}:${instrumentId ? `${instrumentId}:` : ''}${command.atMicros}`,
    accountId: '',
    subjectId: venue,
    instrumentId,
    before: null,
    after: { venue, command: JSON.parse(encodeCommand(command)) as JsonObject },
  };
}

/** The venue and command of a `venue.command` entry; undefined for any other entry. */
export function journaledVenueCommand(
  entry: Pick<JournalEntry, 'kind' | 'after'>,
): { venue: string; command: SimulatedVenueCommand } | undefined {
  if (entry.kind !== 'venue.command' || !entry.after) return undefined;
  const { venue, command } = entry.after;
  return { venue: String(venue), command: decodeCommand(JSON.stringify(command)) };
}
