import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { JournalChain, toJournalEntryEvent, type JournalActor, type JournalDraft } from '@tapeline/journal';
import { createLogger } from '@tapeline/telemetry';
import type { RiskConfig } from '../config';
import { limitChangeStates } from '@tapeline/risk-checks';
import { RiskRuntime } from '../risk-runtime';

const OFFICER: JournalActor = { userId: 'ro-1', clientId: 'console', desk: 'RISK', role: 'risk_officer' };
const CONFIG = {
  varBucketSeconds: 60,
  varHistoryBuckets: 10,
  varConfidencePercent: 99,
  varHorizonDays: 1,
  reportCurrency: 'USD',
} as RiskConfig;

function runtime(): RiskRuntime {
  return new RiskRuntime(
    CONFIG,
    createLogger('risk-test', 'fatal'),
    new Registry(),
    async () => undefined,
    0,
  );
}

function limitEntries(values: string[]) {
  const chain = new JournalChain({ clock: () => 1 });
  const request = { scope: 'desk', target: 'EQ', control: 'max_open_orders' };
  let previous = '';
  return values.map((value, i) => {
    const states = limitChangeStates(request, { previousValue: previous, value });
    previous = value;
    const draft: JournalDraft = { kind: 'limit.change', actor: OFFICER, requestId: `r${i}`, ...states };
    return toJournalEntryEvent(chain.append(draft));
  });
}

test('applies the newest change of a setting by journal sequence, whatever the arrival order', () => {
  const risk = runtime();
  const [first, second, third] = limitEntries(['5', '6', '7']);
  assert.equal(risk.replay.onEntry(third!, 0), 'applied');
  assert.equal(risk.replay.onEntry(first!, 0), 'superseded');
  assert.equal(risk.replay.onEntry(second!, 0), 'superseded');
  assert.equal(risk.board.valueOf({ scope: 'desk', target: 'EQ', control: 'max_open_orders' }), '7');
  assert.equal(risk.replay.gap(), undefined, 'sequences 1..3 all seen');
});

test('reports a gap until every sequence between the lowest and highest seen has arrived', () => {
  const risk = runtime();
  const [first, , third] = limitEntries(['5', '6', '7']);
  risk.replay.onEntry(first!, 0);
  risk.replay.onEntry(third!, 0);
  assert.equal(risk.replay.gap(), 'journal sequences 1..3: 1 not yet seen');
});

test('does not re-apply its own change when the journal echoes it, nor an older one before it', () => {
  const risk = runtime();
  const [older, mine] = limitEntries(['5', '9']);
  risk.replay.noteLocalChange('desk|EQ|max_open_orders', '9');
  assert.equal(risk.replay.onEntry(older!, 0), 'superseded', 'arrives before the echo: our 9 stays');
  assert.equal(risk.replay.onEntry(mine!, 0), 'superseded', 'the echo itself');
  const [, , later] = limitEntries(['5', '9', '11']);
  assert.equal(risk.replay.onEntry(later!, 0), 'applied', 'after the echo, changes apply again');
});

test('dead-letters what cannot be a control change: the entry names the problem', () => {
  const risk = runtime();
  const [entry] = limitEntries(['5']);
  const bad = { ...entry!, afterState: '{"scope":"desk","target":"EQ","control":"max_fun","value":"1"}' };
  assert.throws(() => risk.replay.onEntry(bad, 0), /control: unknown control "max_fun"/);
  assert.throws(
    () => risk.replay.onEntry({ ...entry!, afterState: '' }, 0),
    /limit.change entry without an after_state/,
  );
});
