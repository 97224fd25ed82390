import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Alert } from './alert.model';
import { RecentAlerts } from './recent-alerts';

const alert = (instrumentId: string | null, raisedAt: number): Alert => ({
  alertId: `${instrumentId}-${raisedAt}`,
  kind: null,
  severity: null,
  instrumentId,
  venue: null,
  message: '',
  attributes: [],
  source: 'test',
  raisedAt,
});

test('keeps the newest alerts per instrument, newest first, within its bounds', () => {
  const recent = new RecentAlerts(2, 2);
  recent.add(alert('A', 1));
  recent.add(alert('A', 2));
  recent.add(alert('A', 3)); // pushes out A-1
  recent.add(alert(null, 4));
  assert.deepEqual(
    recent.latest('A', 10).map((a) => a.alertId),
    ['A-3', 'A-2'],
  );
  assert.deepEqual(
    recent.latest(null, 2).map((a) => a.alertId),
    ['null-4', 'A-3'],
  );
  recent.add(alert('B', 5)); // a third instrument: the least recently written (A) is forgotten
  assert.deepEqual(recent.latest('A', 10), []);
  assert.deepEqual(
    recent.latest(null, 10).map((a) => a.alertId),
    ['B-5', 'null-4'],
  );
});
