// Requests and answers of the oms contract as a plain gRPC client sees them (int64 as strings).
import type { grpcClient } from '@tapeline/test-kit';

export const ACTOR = { userId: 'alice', clientId: 'dev-trader', desk: 'EQ', role: 'trader' };
export const BUY = 1;
export const SELL = 2;
export const LIMIT = 2;
export const GTC = 2;
export const IOC = 3;

/** OrdStatus values of the contract. */
export const S = {
  PENDING_NEW: 1,
  NEW: 2,
  PARTIALLY_FILLED: 3,
  FILLED: 4,
  PENDING_CANCEL: 5,
  CANCELED: 6,
  PENDING_REPLACE: 7,
  REJECTED: 9,
} as const;

export interface OrderWire {
  orderId: string;
  clOrdId: string;
  origClOrdId: string;
  accountId: string;
  instrumentId: string;
  ordStatus: number;
  price: string;
  orderQty: string;
  cumQty: string;
  leavesQty: string;
  avgPx: string;
  version: string;
  text: string;
  transactTimeMicros: string;
}

export interface JournalEntryWire {
  sequence: string;
  kind: string;
  actor: { userId: string; clientId: string; desk: string; role: string };
  requestId: string;
  accountId: string;
  subjectId: string;
  instrumentId: string;
  beforeState: string;
  afterState: string;
}

/** A limit order at price scale 2 (the test instruments are equities). */
export function submitRequest(f: {
  accountId: string;
  clOrdId: string;
  side: number;
  qty: bigint;
  price: bigint;
  instrumentId?: string;
  timeInForce?: number;
}) {
  return {
    actor: ACTOR,
    requestId: `r-${f.clOrdId}`,
    accountId: f.accountId,
    clOrdId: f.clOrdId,
    instrumentId: f.instrumentId ?? 'AAPL.XNAS',
    side: f.side,
    ordType: LIMIT,
    timeInForce: f.timeInForce ?? GTC,
    orderQty: { mantissa: f.qty.toString(), scale: 0 },
    price: { mantissa: f.price.toString(), scale: 2 },
  };
}

/** Every journal entry matching the filter, paging through QueryJournal. */
export async function journalOf(
  client: ReturnType<typeof grpcClient>,
  filter: { orderId?: string; accountId?: string; actor?: string },
): Promise<JournalEntryWire[]> {
  const out: JournalEntryWire[] = [];
  let pageToken = '';
  do {
    const page = await client.call<{ entries: JournalEntryWire[]; pageInfo: { nextPageToken: string } }>(
      'queryJournal',
      { ...filter, page: { pageSize: 500, pageToken } },
    );
    out.push(...page.entries);
    pageToken = page.pageInfo.nextPageToken;
  } while (pageToken);
  return out;
}
