// The group state machine driven directly, with short timeouts: KIP-394 member ids, waiting for
// rejoins, session expiry, protocol checks and commit validation.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { GroupCoordinator, type JoinRequest } from '../group/group-coordinator';
import { OffsetStore } from '../group/offset-store';
import { silentLogger } from '../logger';
import { ErrorCode } from '../protocol/error-codes';
import { tempDataDir } from '../testing/test-broker';
import { waitFor } from '../testing/test-clients';

const data = tempDataDir();
const coordinators: GroupCoordinator[] = [];
after(() => {
  for (const c of coordinators) c.close();
  data.remove();
});

function coordinator(): GroupCoordinator {
  const store = new OffsetStore(data.dir, false, silentLogger);
  store.load();
  const c = new GroupCoordinator(
    store,
    { minSessionTimeoutMs: 10, maxSessionTimeoutMs: 60000, initialRebalanceDelayMs: 0 },
    silentLogger,
  );
  coordinators.push(c);
  return c;
}

const joinReq = (groupId: string, memberId: string, over: Partial<JoinRequest> = {}): JoinRequest => ({
  groupId,
  sessionTimeoutMs: 300,
  rebalanceTimeoutMs: 2000,
  memberId,
  groupInstanceId: null,
  protocolType: 'consumer',
  protocols: [{ name: 'range', metadata: Buffer.from(memberId || 'new') }],
  clientId: 'test',
  clientHost: '/127.0.0.1',
  requireKnownMemberId: true,
  ...over,
});

async function joinNew(
  c: GroupCoordinator,
  groupId: string,
  over: Partial<JoinRequest> = {},
): Promise<string> {
  const first = await c.join(joinReq(groupId, '', over));
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.ok(first.memberId.length > 0);
  return first.memberId;
}

test(
  'a rebalance waits for known members, elects a leader and hands out its assignment',
  { timeout: 30000 },
  async () => {
    const c = coordinator();
    const a = await joinNew(c, 'g1');
    const ja = await c.join(joinReq('g1', a));
    assert.equal(ja.errorCode, ErrorCode.NONE);
    assert.equal(ja.generationId, 1);
    assert.equal(ja.leaderId, a);
    assert.equal(
      (
        await c.sync({
          groupId: 'g1',
          generationId: 1,
          memberId: a,
          assignments: [{ memberId: a, assignment: Buffer.from('all') }],
        })
      ).assignment.toString(),
      'all',
    );

    const b = await joinNew(c, 'g1');
    const pendingB = c.join(joinReq('g1', b));
    // A learns of the rebalance from its heartbeat, then rejoins.
    assert.equal(c.heartbeat('g1', 1, a), ErrorCode.REBALANCE_IN_PROGRESS);
    const [ja2, jb] = await Promise.all([c.join(joinReq('g1', a)), pendingB]);
    assert.equal(ja2.generationId, 2);
    assert.equal(jb.generationId, 2);
    assert.equal(ja2.leaderId, a, 'leader kept');
    assert.equal(ja2.members.length, 2, 'leader gets the member list');
    assert.equal(jb.members.length, 0);
    assert.equal(ja2.protocolName, 'range');

    const syncB = c.sync({ groupId: 'g1', generationId: 2, memberId: b, assignments: [] });
    const syncA = c.sync({
      groupId: 'g1',
      generationId: 2,
      memberId: a,
      assignments: [
        { memberId: a, assignment: Buffer.from('p0') },
        { memberId: b, assignment: Buffer.from('p1') },
      ],
    });
    assert.equal((await syncA).assignment.toString(), 'p0');
    assert.equal((await syncB).assignment.toString(), 'p1');
    assert.equal(c.describe('g1').state, 'Stable');
  },
);

test('a member whose session times out is removed and the rest rebalance', { timeout: 30000 }, async () => {
  const c = coordinator();
  const a = await joinNew(c, 'g2');
  const b = await joinNew(c, 'g2');
  const [ja] = await Promise.all([c.join(joinReq('g2', a)), c.join(joinReq('g2', b))]);
  const gen = ja.generationId;
  await Promise.all([
    c.sync({ groupId: 'g2', generationId: gen, memberId: a, assignments: [] }),
    c.sync({ groupId: 'g2', generationId: gen, memberId: b, assignments: [] }),
  ]);
  // Only A keeps heartbeating; B goes silent.
  const code = await waitFor(
    'B expired',
    () => {
      const hb = c.heartbeat('g2', gen, a);
      return hb === ErrorCode.REBALANCE_IN_PROGRESS ? hb : null;
    },
    5000,
    50,
  );
  assert.equal(code, ErrorCode.REBALANCE_IN_PROGRESS);
  const again = await c.join(joinReq('g2', a));
  assert.equal(again.generationId, gen + 1);
  assert.deepEqual(
    again.members.map((m) => m.memberId),
    [a],
  );
  assert.equal(c.heartbeat('g2', again.generationId, b), ErrorCode.UNKNOWN_MEMBER_ID);
});

test('commits are checked against generation and membership', { timeout: 30000 }, async () => {
  const c = coordinator();
  const exists = (): boolean => true;
  const offset = (o: number) => [
    { topic: 't', partition: 0, offset: o, leaderEpoch: -1, metadata: '', commitTimestamp: Date.now() },
  ];
  // A client without group management may commit to an empty/unknown group.
  assert.deepEqual(c.commitOffsets('g3', -1, '', offset(5), exists), [ErrorCode.NONE]);
  assert.deepEqual(c.commitOffsets('g-none', 3, 'ghost', offset(5), exists), [ErrorCode.ILLEGAL_GENERATION]);
  const a = await joinNew(c, 'g3');
  const ja = await c.join(joinReq('g3', a));
  assert.deepEqual(c.commitOffsets('g3', ja.generationId, a, offset(6), exists), [
    ErrorCode.REBALANCE_IN_PROGRESS,
  ]);
  await c.sync({ groupId: 'g3', generationId: ja.generationId, memberId: a, assignments: [] });
  assert.deepEqual(c.commitOffsets('g3', ja.generationId + 1, a, offset(6), exists), [
    ErrorCode.ILLEGAL_GENERATION,
  ]);
  assert.deepEqual(c.commitOffsets('g3', ja.generationId, 'stranger', offset(6), exists), [
    ErrorCode.UNKNOWN_MEMBER_ID,
  ]);
  assert.deepEqual(c.commitOffsets('g3', ja.generationId, a, offset(7), exists), [ErrorCode.NONE]);
  assert.deepEqual(
    c.commitOffsets('g3', ja.generationId, a, offset(7), () => false),
    [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
  );
  assert.equal(c.fetchOffset('g3', 't', 0)?.offset, 7);
  assert.equal(c.deleteGroup('g3'), ErrorCode.NON_EMPTY_GROUP);
  assert.equal(c.leave('g3', [a]).members[0], ErrorCode.NONE);
  assert.equal(c.deleteGroup('g3'), ErrorCode.NONE);
  assert.equal(c.fetchOffset('g3', 't', 0), undefined);
});

test(
  'protocol type and protocols must be shared; session timeout bounds apply',
  { timeout: 30000 },
  async () => {
    const c = coordinator();
    const a = await joinNew(c, 'g4');
    await c.join(joinReq('g4', a));
    const other = await c.join(
      joinReq('g4', '', {
        protocols: [{ name: 'roundrobin', metadata: Buffer.alloc(0) }],
        requireKnownMemberId: false,
      }),
    );
    assert.equal(other.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const otherType = await c.join(joinReq('g4', '', { protocolType: 'connect' }));
    assert.equal(otherType.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal(
      (await c.join(joinReq('g5', '', { sessionTimeoutMs: 1 }))).errorCode,
      ErrorCode.INVALID_SESSION_TIMEOUT,
    );
    assert.equal((await c.join(joinReq('g5', 'made-up-id'))).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  },
);

test(
  'committed offsets and generations persist across a coordinator restart',
  { timeout: 30000 },
  async () => {
    const dir = tempDataDir();
    try {
      const store = new OffsetStore(dir.dir, false, silentLogger);
      store.load();
      store.commit('persist', [
        { topic: 't', partition: 1, offset: 42, leaderEpoch: -1, metadata: 'm', commitTimestamp: 1 },
      ]);
      store.recordGeneration('persist', 7);
      // No close(): as after a SIGKILL.
      const reopened = new OffsetStore(dir.dir, false, silentLogger);
      reopened.load();
      assert.equal(reopened.fetch('persist', 't', 1)?.offset, 42);
      assert.equal(reopened.fetch('persist', 't', 1)?.metadata, 'm');
      assert.equal(reopened.generationOf('persist'), 7);
      store.close();
      reopened.close();
    } finally {
      dir.remove();
    }
  },
);
