import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '@tapeline/config';
import { planMesh, REPO_ROOT, type MeshPlan } from './mesh-plan';
import { MeshSupervisor } from './supervisor';

async function main(): Promise<void> {
  let plan: MeshPlan;
  try {
    plan = planMesh(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const missing = plan.processes
    .filter((p) => !existsSync(p.script))
    .map((p) => path.relative(REPO_ROOT, p.script));
  if (missing.length) {
    process.stderr.write(
      `not built: ${missing.join(', ')}\nrun \`npm run build\` first (npm start does it)\n`,
    );
    process.exit(1);
  }

  const started = Date.now();
  const mesh = new MeshSupervisor(plan);
  let shuttingDown = false;
  const shutdown = async (exitCode: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    const unclean = await mesh.stop();
    process.stdout.write(
      unclean.length
        ? `tapeline: stopped; not cleanly: ${unclean.join(', ')}\n`
        : 'tapeline: stopped cleanly\n',
    );
    process.exit(exitCode || (unclean.length ? 1 : 0));
  };
  mesh.onCrash((e) => {
    process.stderr.write(
      `\ntapeline: ${e.name} exited unexpectedly (${e.signal ? `signal ${e.signal}` : `code ${e.code}`}); ` +
        `its last log lines (${path.join(plan.logDir, `${e.name}.log`)}):\n` +
        e.tail.map((l) => `  | ${l}`).join('\n') +
        '\ntapeline: stopping the mesh\n',
    );
    void shutdown(1);
  });
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  process.stdout.write(`tapeline: starting ${plan.processes.length} processes, logs in ${plan.logDir}\n`);
  mesh.start();
  try {
    await mesh.waitReady(plan.readyTimeoutMs);
  } catch (err) {
    if (shuttingDown) return;
    process.stderr.write(`tapeline: ${(err as Error).message}\n`);
    await shutdown(1);
    return;
  }
  const rows = plan.processes.map((p) =>
    p.grpcPort
      ? `  ${p.name.padEnd(12)} grpc 127.0.0.1:${p.grpcPort}  metrics http://127.0.0.1:${p.metricsPort}/metrics`
      : `  ${p.name.padEnd(12)} kafka ${plan.kafka}`,
  );
  process.stdout.write(
    [
      '',
      `tapeline: mesh ready in ${((Date.now() - started) / 1000).toFixed(1)} s, every service SERVING`,
      '',
      `  GraphQL      ${plan.gatewayUrl}`,
      ...rows,
      '',
      `  logs         ${plan.logDir}/<service>.log`,
      `  data         ${plan.dataDir}`,
      '',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

void main();
