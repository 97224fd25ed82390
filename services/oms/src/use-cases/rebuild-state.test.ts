import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { of } from 'rxjs';
import { commonV1, symbolV1, tradingV1 } from '@tapeline/contracts';
import { JournalChain, verifyChain, type JournalEntry } from '@tapeline/journal';
import { createLogger } from '@tapeline/telemetry';
import { AccountDirectory } from '../accounts/account-directory';
import { InstrumentCatalog } from '../instruments/instrument-catalog';
import { JournalWriter } from '../journal/journal-writer';
import { RiskGateway } from '../risk/risk-gateway';
import { VenueRouter } from '../routing/venue-router';
import { VenueRegistry } from '../routing/venue-registry';
import { LifecycleRecorder } from '../state/lifecycle-recorder';
import { OmsState } from '../state/oms-state';
import { MemoryJournal, MemoryLog } from '../testing/memory-journal';
import { recoverSimulatedVenues, replayJournal } from './rebuild-state';
import { SubmitOrder } from './submit-order';
import { KeyedSerializer, OMS_ACTOR } from './trading-context';
import { VenueReports } from './venue-reports';

const logger = createLogger('oms-test', 'silent');
const fixDir = mkdtempSync(path.join(tmpdir(), 'oms-fix-'));
after(() => rmSync(fixDir, { recursive: true, force: true }));

// The services the oms calls, answering as symbol and risk would: AAPL at 2 decimals, every order accepted.
const symbol = {
  getInstrument: () =>
    of({
      instrument: {
        instrumentId: 'AAPL.XNAS',
        priceScale: 2,
        sizeScale: 0,
        tickSize: { mantissa: '1', scale: 2 },
        lotSize: { mantissa: '1', scale: 0 },
        minSize: { mantissa: '0', scale: 0 },
        multiplier: { mantissa: '1', scale: 0 },
        currency: 'USD',
        status: symbolV1.InstrumentStatus.INSTRUMENT_STATUS_ACTIVE,
        venueSymbols: [{ venue: 'SIM', symbol: 'AAPL' }],
      } as symbolV1.Instrument,
    }),
};
const risk = {
  checkOrder: () => of({ accepted: true, rejections: [], checkMicros: 1 }),
  setKillSwitch: () => of({ wasEngaged: false, engaged: false }),
  setLimit: () => of({ previousValue: '', value: '' }),
};

/** The oms's write path over a state and a journal in memory: chain, writer, recorder, simulated venue. */
function wire(journal: MemoryJournal, state: OmsState, head?: { sequence: bigint; hash: string }) {
  let now = 1_000_000n;
  const clock = () => (now += 10n);
  const writer = new JournalWriter(
    new JournalChain({ clock, ...(head ? { resumeFrom: head } : {}) }),
    new MemoryLog(),
    journal,
    logger,
    {
      batchMax: 100,
      onFatal: (err) => assert.fail(err),
    },
  );
  const venues = new VenueRegistry(
    [{ name: 'SIM', kind: 'simulated', enabled: true }],
    state,
    logger,
    fixDir,
    clock,
  );
  const recorder = new LifecycleRecorder(state, writer, { published: () => undefined }, venues);
  return { state, writer, recorder, venues, reports: new VenueReports({ state, recorder }, logger), clock };
}

/** The submit use case on that write path (what SubmitOrder journals: request, decision, order). */
function submitter(
  oms: ReturnType<typeof wire>,
): (clOrdId: string, accountId: string, side: commonV1.Side, qty: bigint, price: bigint) => Promise<unknown> {
  const use = new SubmitOrder({
    ...oms,
    risk: new RiskGateway(risk, 1000),
    instruments: new InstrumentCatalog(symbol),
    accounts: new AccountDirectory([
      { accountId: 'A', desk: 'EQ', description: '' },
      { accountId: 'B', desk: 'EQ', description: '' },
    ]),
    router: new VenueRouter({ defaultVenue: 'SIM', venues: [], routes: [] }),
    locks: new KeyedSerializer(),
  });
  return (clOrdId, accountId, side, qty, price) =>
    use.execute({
      actor: OMS_ACTOR,
      requestId: `r-${clOrdId}`,
      accountId,
      clOrdId,
      instrumentId: 'AAPL.XNAS',
      side,
      ordType: tradingV1.OrdType.ORD_TYPE_LIMIT,
      timeInForce: tradingV1.TimeInForce.TIME_IN_FORCE_GTC,
      orderQty: { mantissa: qty, scale: 0 },
      price: { mantissa: price, scale: 2 },
    });
}

test('a venue command journaled without the answers it got is answered again at restart, exactly', async () => {
  const journal = new MemoryJournal();
  const live = wire(journal, new OmsState());
  await live.venues.start(live.reports);
  const submit = submitter(live);
  await submit('S1', 'A', commonV1.Side.SIDE_SELL, 10n, 10000n);
  await submit('B1', 'B', commonV1.Side.SIDE_BUY, 4n, 10020n);
  assert.equal(live.state.orders.require('O-2').status, tradingV1.OrdStatus.ORD_STATUS_FILLED);
  await live.writer.stored();

  // The crash: the buy's Submit (with its venue command) was stored, its answers were not.
  const commandAt = journal.entries.findIndex((e) => e.subjectId === 'O-2' && e.kind === 'order.state');
  const lost = journal.entries.slice(commandAt + 1);
  assert.deepEqual(
    lost.map((e) => `${e.subjectId} ${(e.after as { event: { type: string } }).event.type}`),
    ['O-2 Ack', 'O-2 Fill', 'O-1 Fill'],
  );
  const stored = new MemoryJournal(journal.entries.slice(0, commandAt + 1));

  const state = new OmsState();
  const replay = await replayJournal(stored, state, logger);
  assert.equal(state.orders.require('O-2').status, tradingV1.OrdStatus.ORD_STATUS_PENDING_NEW);
  const restarted = wire(stored, state, replay.head);
  const recovery = recoverSimulatedVenues(replay, restarted.venues, restarted.reports, logger);
  await restarted.writer.stored();

  assert.deepEqual(recovery, [{ venue: 'SIM', commands: 2, journaled: 1, recovered: 3, diverged: false }]);
  for (const id of ['O-1', 'O-2']) assert.deepEqual(state.orders.require(id), live.state.orders.require(id));
  assert.deepEqual(state.executions, live.state.executions);
  assert.deepEqual(state.positions.get('B', 'AAPL.XNAS'), live.state.positions.get('B', 'AAPL.XNAS'));
  // The answers are journaled again, once, and the chain still verifies end to end.
  assert.deepEqual(
    stored.entries.slice(commandAt + 1).map((e: JournalEntry) => [e.subjectId, e.kind, e.after]),
    lost.map((e) => [e.subjectId, e.kind, e.after]),
  );
  assert.equal(verifyChain(stored.entries, { from: 1n }).ok, true);
});
