// librdkafka compatibility through kcat: metadata listing, keyed produce, consume to end, and a
// consumer group that commits and resumes where it left off.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { useTestBroker } from '../testing/test-broker';

const kcatAvailable = spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0;
const skip = kcatAvailable ? false : 'kcat is not on PATH (Debian package "kcat": apt-get install -y kcat)';

const broker = useTestBroker();

/** Runs kcat without blocking the event loop (the broker under test lives in this process). */
function kcat(
  args: string[],
  input = '',
  timeoutMs = 20000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-b', broker.address, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kcat ${args.join(' ')} timed out\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

function lines(s: string): string[] {
  return s.split('\n').filter((l) => l.length > 0);
}

test('kcat lists, produces with keys and consumes everything', { skip, timeout: 60000 }, async () => {
  const topic = 'kcat-topic';
  const input = Array.from({ length: 30 }, (_, i) => `user-${i % 6}:event-${i}`).join('\n') + '\n';
  const produced = await kcat(['-P', '-t', topic, '-K:'], input);
  assert.equal(produced.code, 0, produced.stderr);

  // librdkafka opens with ApiVersions v3 (flexible); the UNSUPPORTED_VERSION answer makes it retry
  // with an older version and carry on.
  const listed = await kcat(['-L', '-d', 'protocol']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stderr, /ApiVersionRequest v3 failed due to UNSUPPORTED_VERSION/);
  assert.match(listed.stdout, /broker 0 at 127\.0\.0\.1:\d+ \(controller\)/);
  assert.match(listed.stdout, new RegExp(`topic "${topic}" with 3 partitions`));
  assert.match(listed.stdout, /partition 2, leader 0, replicas: 0, isrs: 0/);

  const consumed = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%p %k %s\n']);
  assert.equal(consumed.code, 0, consumed.stderr);
  const rows = lines(consumed.stdout).map((l) => l.split(' '));
  assert.equal(rows.length, 30);
  const partitionOfKey = new Map<string, string>();
  const perKey = new Map<string, number[]>();
  for (const [partition, key, value] of rows as Array<[string, string, string]>) {
    assert.equal(partitionOfKey.get(key) ?? partition, partition, `${key} on one partition`);
    partitionOfKey.set(key, partition);
    perKey.set(key, [...(perKey.get(key) ?? []), Number(value.slice('event-'.length))]);
  }
  for (const [key, seqs] of perKey)
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      `${key} in order`,
    );
});

test(
  'kcat consumer group commits and a second run resumes after the committed offsets',
  { skip, timeout: 90000 },
  async () => {
    const topic = 'kcat-group-topic';
    const group = 'kcat-group';
    const batch = (from: number, n: number): string =>
      Array.from({ length: n }, (_, i) => `k${(from + i) % 4}:m${from + i}`).join('\n') + '\n';
    assert.equal((await kcat(['-P', '-t', topic, '-K:'], batch(0, 20))).code, 0);

    const groupArgs = ['-G', group, '-X', 'auto.offset.reset=earliest', '-e', '-f', '%s\n', topic];
    const first = await kcat(groupArgs);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(lines(first.stdout).sort(), Array.from({ length: 20 }, (_, i) => `m${i}`).sort());

    assert.equal((await kcat(['-P', '-t', topic, '-K:'], batch(20, 7))).code, 0);
    const second = await kcat(groupArgs);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(
      lines(second.stdout).sort(),
      Array.from({ length: 7 }, (_, i) => `m${20 + i}`).sort(),
      'only what came after the commit',
    );

    const third = await kcat(groupArgs);
    assert.equal(third.code, 0, third.stderr);
    assert.deepEqual(lines(third.stdout), [], 'nothing left to read');
  },
);
