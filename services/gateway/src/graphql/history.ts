import { ArgsType, Field, ID, Int } from '@nestjs/graphql';
import type { commonV1 } from '@tapeline/contracts';
import { badInput } from './errors';
import { loadConnection, type Page } from './paging';
import { TimestampScalar } from './scalars';
import { wireTimestamp } from './wire';

export const MAX_HISTORY_PAGE = 1000;

/** The arguments of every history connection: one instrument, a [from, to) range, a page. */
@ArgsType()
export class HistoryArgs {
  @Field(() => ID) instrumentId!: string;
  @Field(() => TimestampScalar) from!: number;
  @Field(() => TimestampScalar, { nullable: true, description: 'Unset: now.' }) to?: number | null;
  @Field(() => Int, { defaultValue: 100, description: `1..${MAX_HISTORY_PAGE}` }) first!: number;
  @Field(() => String, { nullable: true, description: 'A cursor of this connection: continue after it.' })
  after?: string | null;
}

/** Checks a [from, to) range argument pair and returns it in wire form. */
export function historyRange(from: number, to: number | null | undefined) {
  if (to === null || to === undefined) return { from: wireTimestamp(from) };
  if (to <= from) throw badInput('to', 'must be after from');
  return { from: wireTimestamp(from), to: wireTimestamp(to) };
}

/** What a backend history call needs: the instrument, the range and the page after the cursor. */
export interface HistoryRequest {
  instrumentId: string;
  range: ReturnType<typeof historyRange>;
  page: commonV1.PageRequest;
}

/**
 * One Relay page of history: validates the arguments, asks the backend for the page the cursor
 * points into (ListTrades, ListQuotes, ListBars) and builds the connection from its answer.
 */
export async function loadHistory<T, N>(
  args: HistoryArgs,
  fetch: (req: HistoryRequest) => Promise<{ items: readonly T[]; pageInfo?: commonV1.PageInfo | undefined }>,
  toNode: (item: T) => N,
): Promise<Page<N> & { totalCount: number }> {
  return loadConnection(
    { first: args.first, after: args.after, max: MAX_HISTORY_PAGE },
    (page) => fetch({ instrumentId: args.instrumentId, range: historyRange(args.from, args.to), page }),
    toNode,
  );
}
