import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { freePort } from './index';

test('freePort hands out distinct bindable ports below the ephemeral range', async () => {
  const ports = await Promise.all(Array.from({ length: 50 }, () => freePort()));
  assert.equal(new Set(ports).size, ports.length, 'no port handed out twice');
  for (const port of ports) assert.ok(port >= 15_000 && port < 32_000, `${port} in range`);
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(ports[0], '127.0.0.1', r));
  await new Promise<void>((r) => srv.close(() => r()));
});

test('another test process never gets a port this one holds', async () => {
  const mine = new Set(await Promise.all(Array.from({ length: 200 }, () => freePort())));
  const kit = JSON.stringify(require.resolve('./index'));
  const script = `Promise.all(Array.from({ length: 200 }, () => require(${kit}).freePort()))
    .then((ports) => console.log(JSON.stringify(ports)))`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const theirs = JSON.parse(child.stdout) as number[];
  assert.equal(theirs.filter((p) => mine.has(p)).length, 0);
});
