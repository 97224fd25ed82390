// Worker-thread entry of bench/bus.bench.ts: the producing side of each run, so that producer and
// consumer each have a core, as they do when they are different services. One worker serves all
// runs in turn, so its JIT warm-up carries over from the warm-up runs to the measured ones.
//
// main -> worker: { type: 'prepare', spec } then { type: 'go' }, and { type: 'exit' } at the end.
// worker -> main: { type: 'ready' }, { type: 'progress', produced }, { type: 'done', produced, cpuMs },
//                 { type: 'error', message }.
import { parentPort } from 'node:worker_threads';
import { prepareProducer, quotePool, type ProduceSpec, type ReadyProducer } from './quote-workload';

export type ToProducer = { type: 'prepare'; spec: ProduceSpec } | { type: 'go' } | { type: 'exit' };
export type FromProducer =
  | { type: 'ready' }
  | { type: 'progress'; produced: number }
  | { type: 'done'; produced: number; cpuMs: number }
  | { type: 'error'; message: string };

const port = parentPort;
if (port) {
  const pool = quotePool(10_000);
  let ready: ReadyProducer | null = null;
  const post = (m: FromProducer): void => port.postMessage(m);
  const fail = (err: unknown): void =>
    post({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  port.on('message', (m: ToProducer) => {
    if (m.type === 'prepare') {
      prepareProducer(m.spec, pool).then((r) => {
        ready = r;
        post({ type: 'ready' });
      }, fail);
    } else if (m.type === 'go' && ready) {
      const r = ready;
      ready = null;
      const timer = setInterval(() => post({ type: 'progress', produced: r.produced() }), 250);
      r.go().then(
        (cpuMs) => {
          clearInterval(timer);
          post({ type: 'done', produced: r.produced(), cpuMs });
        },
        (err: unknown) => {
          clearInterval(timer);
          fail(err);
        },
      );
    } else if (m.type === 'exit') {
      port.close();
    }
  });
}
