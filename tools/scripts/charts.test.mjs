// Checks the Helm chart (charts/tapeline) with helm-render, the helm-compatible renderer in
// ../shared/tools: lint --strict with each values file, then assertions on the rendered
// manifests with the default, development and production values, and schema rejections.
// Also: skaffold.yaml builds and wires every service, and terraform/ is formatted (when a
// terraform binary is on PATH). Run: node --test tools/scripts/charts.test.mjs
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const helmRender = path.resolve(repoRoot, '../shared/tools/helm-render/bin/helm-render');
const chart = path.join(repoRoot, 'charts/tapeline');
const devValues = path.join(chart, 'values-dev.yaml');
const prodValues = path.join(chart, 'values-prod.yaml');

const RELEASE = 'tl';
const NAMESPACE = 'trading';
const SERVICES = ['symbol', 'market-data', 'aggregation', 'oms', 'risk', 'strategy', 'gateway'];
const KAFKA_USERS = ['market-data', 'aggregation', 'oms', 'risk', 'strategy'];
const HISTORY = ['market-data', 'aggregation', 'oms'];
const REDIS_USERS = ['aggregation', 'gateway'];
const CALLS = {
  oms: ['risk'],
  strategy: ['oms'],
  gateway: ['market-data', 'aggregation', 'oms', 'risk', 'strategy'],
};
const PROD_HPA = ['gateway', 'strategy'];

function requireHelmRender() {
  assert.ok(
    existsSync(helmRender),
    `helm-render not found at ${helmRender}: it ships in shared/tools/helm-render beside the repository ` +
      '(see its README; ./build.sh rebuilds it from Debian packages)',
  );
}

function run(args) {
  requireHelmRender();
  const r = spawnSync(helmRender, args, { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.error, undefined, `cannot run helm-render: ${r.error}`);
  return r;
}

/** Renders the chart and returns its documents as plain objects. */
function render(...extra) {
  const r = run(['template', RELEASE, chart, '-n', NAMESPACE, ...extra]);
  assert.equal(r.status, 0, `helm-render template ${extra.join(' ')} failed:\n${r.stderr}`);
  const docs = parseAllDocuments(r.stdout).map((d) => {
    assert.deepEqual(d.errors, [], `rendered YAML does not parse: ${d.errors}`);
    return d.toJS();
  });
  return docs.filter((d) => d !== null);
}

/** A render that must fail; returns its error output. */
function renderFails(...extra) {
  const r = run(['template', RELEASE, chart, '-n', NAMESPACE, ...extra]);
  assert.notEqual(r.status, 0, `helm-render template ${extra.join(' ')} should have failed`);
  return r.stderr + r.stdout;
}

const ofKind = (docs, kind) => docs.filter((d) => d.kind === kind);
const named = (docs, kind, name) => docs.find((d) => d.kind === kind && d.metadata.name === name);
const fullname = (svc) => `${RELEASE}-${svc}`;
const grpcAddr = (svc) => `${fullname(svc)}.${NAMESPACE}.svc.cluster.local:50051`;
const envName = (svc) => `${svc.toUpperCase().replaceAll('-', '_')}_GRPC_ADDR`;

/** The whole environment of a service's container: its ConfigMap plus its own env entries. */
function environment(docs, svc) {
  const dep = named(docs, 'Deployment', fullname(svc));
  const container = dep.spec.template.spec.containers[0];
  const env = {};
  for (const from of container.envFrom ?? []) {
    const cm = named(docs, 'ConfigMap', from.configMapRef.name);
    assert.ok(cm, `${svc}: envFrom names a ConfigMap that is not rendered: ${from.configMapRef.name}`);
    Object.assign(env, cm.data);
  }
  for (const e of container.env ?? []) env[e.name] = e.value ?? e.valueFrom;
  return env;
}

describe('helm-render lint --strict', () => {
  for (const [label, args] of [
    ['default values', []],
    ['values-dev.yaml', ['-f', devValues]],
    ['values-prod.yaml', ['-f', prodValues]],
  ]) {
    test(label, () => {
      const r = run(['lint', '--strict', chart, ...args]);
      assert.equal(r.status, 0, `lint failed:\n${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    });
  }
});

describe('default values', () => {
  const docs = render();

  test('seven Deployments, one per service, with their Service, ConfigMap, ServiceAccount, PDB and NetworkPolicy', () => {
    const deployments = ofKind(docs, 'Deployment');
    assert.deepEqual(deployments.map((d) => d.metadata.name).sort(), SERVICES.map(fullname).sort());
    for (const kind of ['Service', 'ConfigMap', 'ServiceAccount', 'PodDisruptionBudget', 'NetworkPolicy']) {
      for (const svc of SERVICES)
        assert.ok(named(docs, kind, fullname(svc)), `${kind} ${fullname(svc)} missing`);
    }
  });

  test('pods: gRPC probes on 50051, hardened security context, bounded shutdown', () => {
    for (const svc of SERVICES) {
      const dep = named(docs, 'Deployment', fullname(svc));
      const pod = dep.spec.template.spec;
      const c = pod.containers[0];
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        assert.equal(c[probe]?.grpc?.port, 50051, `${svc}: ${probe} is not a gRPC probe on 50051`);
      }
      assert.ok(
        c.ports.some((p) => p.name === 'grpc' && p.containerPort === 50051),
        `${svc}: grpc port`,
      );
      assert.ok(
        c.ports.some((p) => p.name === 'metrics' && p.containerPort === 9400),
        `${svc}: metrics port`,
      );
      assert.equal(pod.securityContext.runAsNonRoot, true, `${svc}: pod runAsNonRoot`);
      assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault', `${svc}: seccomp`);
      assert.equal(c.securityContext.runAsNonRoot, true, `${svc}: container runAsNonRoot`);
      assert.equal(c.securityContext.readOnlyRootFilesystem, true, `${svc}: readOnlyRootFilesystem`);
      assert.equal(c.securityContext.allowPrivilegeEscalation, false, `${svc}: allowPrivilegeEscalation`);
      assert.deepEqual(c.securityContext.capabilities.drop, ['ALL'], `${svc}: capabilities`);
      assert.ok(pod.terminationGracePeriodSeconds <= 30, `${svc}: terminationGracePeriodSeconds`);
      assert.ok(c.lifecycle.preStop.exec.command.includes('sleep'), `${svc}: preStop sleep`);
      assert.equal(pod.automountServiceAccountToken, false, `${svc}: no service account token`);
      assert.equal(pod.serviceAccountName, fullname(svc));
      assert.ok(c.resources.requests.cpu && c.resources.limits.memory, `${svc}: resources`);
      assert.match(dep.spec.template.metadata.annotations['checksum/config'], /^[0-9a-f]{64}$/);
      assert.equal(c.image, `registry.example.com/tapeline/${svc}:0.1.0`);
    }
  });

  test('environment: base variables, backends and the gRPC addresses of the services called', () => {
    for (const svc of SERVICES) {
      const env = environment(docs, svc);
      assert.equal(env.GRPC_HOST, '0.0.0.0');
      assert.equal(env.GRPC_PORT, '50051');
      assert.equal(env.METRICS_PORT, '9400');
      assert.equal(env.LOG_LEVEL, 'info');
      assert.equal(env.SHUTDOWN_TIMEOUT_MS, '8000');
      if (svc === 'symbol') assert.equal(env.SYMBOL_GRPC_ADDR, undefined);
      else assert.equal(env.SYMBOL_GRPC_ADDR, grpcAddr('symbol'), `${svc}: SYMBOL_GRPC_ADDR`);
      for (const callee of CALLS[svc] ?? []) {
        assert.equal(env[envName(callee)], grpcAddr(callee), `${svc}: ${envName(callee)}`);
      }
      // Every address names a rendered Service whose grpc port is 50051.
      for (const [name, value] of Object.entries(env).filter(([k]) => k.endsWith('_GRPC_ADDR'))) {
        const host = value.split(':')[0];
        const service = named(docs, 'Service', host.split('.')[0]);
        assert.ok(service, `${svc}: ${name}=${value} names no rendered Service`);
        assert.equal(host, `${service.metadata.name}.${NAMESPACE}.svc.cluster.local`);
        assert.ok(service.spec.ports.some((p) => p.name === 'grpc' && p.port === 50051));
      }
      const kafka = KAFKA_USERS.includes(svc);
      for (const v of [
        'KAFKA_BROKERS',
        'KAFKA_CLIENT_ID',
        'KAFKA_TOPIC_PREFIX',
        'KAFKA_SSL',
        'KAFKA_TOPIC_PARTITIONS',
      ]) {
        assert.equal(v in env, kafka, `${svc}: ${v} ${kafka ? 'missing' : 'unexpected'}`);
      }
      if (kafka) {
        assert.equal(env.KAFKA_BROKERS, 'kafka:9092');
        assert.equal(env.KAFKA_CLIENT_ID, `tapeline-${svc}`);
        assert.equal(env.KAFKA_TOPIC_REPLICATION_FACTOR, '3');
        assert.match(env.KAFKA_TOPIC_RETENTION_MS, /^\d+$/);
      }
      const history = HISTORY.includes(svc);
      assert.equal('CLICKHOUSE_URL' in env, history, `${svc}: CLICKHOUSE_URL`);
      if (history) {
        assert.equal(env.CLICKHOUSE_DATABASE, `tapeline_${svc.replaceAll('-', '_')}`);
        assert.equal(env.SERVICE_DATA_DIR, undefined, `${svc}: no embedded store when a server is set`);
      }
      assert.equal('REDIS_URL' in env, REDIS_USERS.includes(svc), `${svc}: REDIS_URL`);
    }
    assert.equal(environment(docs, 'gateway').GATEWAY_PORT, '4000');
  });

  test('Services: ClusterIP, grpc (appProtocol grpc) and metrics; the gateway also serves HTTP on 4000', () => {
    for (const svc of SERVICES) {
      const s = named(docs, 'Service', fullname(svc));
      assert.equal(s.spec.type, 'ClusterIP');
      const grpc = s.spec.ports.find((p) => p.name === 'grpc');
      assert.equal(grpc.port, 50051);
      assert.equal(grpc.appProtocol, 'grpc');
      assert.equal(s.spec.ports.find((p) => p.name === 'metrics').port, 9400);
      assert.equal(
        s.spec.ports.some((p) => p.port === 4000),
        svc === 'gateway',
      );
      // The Service selects exactly its own Deployment's pods.
      const labels = named(docs, 'Deployment', fullname(svc)).spec.template.metadata.labels;
      for (const [k, v] of Object.entries(s.spec.selector)) assert.equal(labels[k], v);
    }
  });

  test('no HPA, no Secret, no Ingress, no ServiceMonitor, no PrometheusRule, no PVC', () => {
    for (const kind of [
      'HorizontalPodAutoscaler',
      'Secret',
      'Ingress',
      'ServiceMonitor',
      'PrometheusRule',
      'PersistentVolumeClaim',
    ]) {
      assert.deepEqual(ofKind(docs, kind), [], `${kind} rendered by default`);
    }
  });

  test('oms, risk, market-data, aggregation: one replica, Recreate (order state, one publisher)', () => {
    for (const svc of ['oms', 'risk', 'market-data', 'aggregation']) {
      const dep = named(docs, 'Deployment', fullname(svc));
      assert.equal(dep.spec.replicas, 1);
      assert.equal(dep.spec.strategy.type, 'Recreate');
    }
    assert.equal(named(docs, 'Deployment', fullname('gateway')).spec.strategy.type, 'RollingUpdate');
  });

  test('NetworkPolicy: gRPC from the mesh, metrics from monitoring, gateway HTTP from the ingress controller', () => {
    for (const svc of SERVICES) {
      const np = named(docs, 'NetworkPolicy', fullname(svc));
      assert.deepEqual(np.spec.policyTypes, ['Ingress']);
      const byPort = Object.fromEntries(np.spec.ingress.map((r) => [r.ports[0].port, r.from[0]]));
      assert.equal(byPort.grpc.podSelector.matchLabels['app.kubernetes.io/instance'], RELEASE);
      assert.equal(byPort.metrics.namespaceSelector.matchLabels['kubernetes.io/metadata.name'], 'monitoring');
      assert.equal('http' in byPort, svc === 'gateway');
      if (svc === 'gateway') {
        assert.equal(
          byPort.http.namespaceSelector.matchLabels['kubernetes.io/metadata.name'],
          'ingress-nginx',
        );
      }
    }
  });

  test('a configuration change rolls the pods (ConfigMap checksum)', () => {
    const checksum = (d) =>
      named(d, 'Deployment', fullname('risk')).spec.template.metadata.annotations['checksum/config'];
    assert.notEqual(checksum(render('--set', 'logLevel=debug')), checksum(docs));
  });
});

describe('values-prod.yaml', () => {
  const docs = render('-f', prodValues);
  const withCrds = render('-f', prodValues, '-a', 'monitoring.coreos.com/v1');

  test('seven Deployments; HPAs exactly on gateway and strategy', () => {
    assert.equal(ofKind(docs, 'Deployment').length, 7);
    const hpas = ofKind(docs, 'HorizontalPodAutoscaler');
    assert.deepEqual(hpas.map((h) => h.metadata.name).sort(), PROD_HPA.map(fullname).sort());
    for (const h of hpas) {
      assert.equal(h.apiVersion, 'autoscaling/v2');
      assert.equal(h.spec.scaleTargetRef.name, h.metadata.name);
      assert.equal(h.spec.metrics[0].resource.name, 'cpu');
      assert.ok(h.spec.minReplicas <= h.spec.maxReplicas);
      // The HPA owns the replica count.
      assert.equal(named(docs, 'Deployment', h.metadata.name).spec.replicas, undefined);
    }
    for (const svc of ['oms', 'risk', 'symbol', 'market-data', 'aggregation']) {
      assert.equal(named(docs, 'Deployment', fullname(svc)).spec.replicas, svc === 'symbol' ? 2 : 1);
    }
  });

  test('credentials come from existing Secrets; none is rendered', () => {
    assert.deepEqual(ofKind(docs, 'Secret'), []);
    const ref = (svc, v) => environment(docs, svc)[v]?.secretKeyRef;
    for (const svc of KAFKA_USERS) {
      assert.deepEqual(ref(svc, 'KAFKA_SASL_PASSWORD'), {
        name: 'tapeline-credentials',
        key: 'kafka-sasl-password',
      });
      assert.equal(environment(docs, svc).KAFKA_SASL_MECHANISM, 'scram-sha-512');
      assert.equal(environment(docs, svc).KAFKA_SSL, 'true');
    }
    for (const svc of HISTORY) {
      assert.deepEqual(ref(svc, 'CLICKHOUSE_PASSWORD'), {
        name: 'tapeline-credentials',
        key: 'clickhouse-password',
      });
    }
    for (const svc of REDIS_USERS) {
      assert.deepEqual(ref(svc, 'REDIS_URL'), { name: 'tapeline-credentials', key: 'redis-url' });
    }
    for (const svc of ['symbol', 'risk', 'strategy'])
      assert.equal(environment(docs, svc).REDIS_URL, undefined);
    // JWT keys are mounted as files from their own Secret.
    const gw = named(docs, 'Deployment', fullname('gateway')).spec.template.spec;
    assert.equal(gw.volumes.find((v) => v.name === 'jwt-keys').secret.secretName, 'tapeline-gateway-jwt');
    assert.equal(environment(docs, 'gateway').GATEWAY_SIGNING_KEYS_DIR, '/etc/tapeline/jwt');
    assert.equal(environment(docs, 'gateway').GATEWAY_AUTH_MODE, 'production');
    assert.equal(environment(docs, 'gateway').GATEWAY_CLIENTS_FILE, '/etc/tapeline/identities/clients.yaml');
    assert.equal(
      gw.volumes.find((v) => v.name === 'identities').secret.secretName,
      'tapeline-gateway-identities',
    );
  });

  test('the gateway Ingress: TLS, WebSocket timeouts, backend port 4000', () => {
    const ingresses = ofKind(docs, 'Ingress');
    assert.equal(ingresses.length, 1);
    const ing = ingresses[0];
    assert.equal(ing.metadata.name, fullname('gateway'));
    assert.equal(ing.spec.ingressClassName, 'nginx');
    assert.deepEqual(ing.spec.tls, [{ hosts: ['trade.example.com'], secretName: 'tapeline-gateway-tls' }]);
    assert.equal(ing.metadata.annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'], '3600');
    const backend = ing.spec.rules[0].http.paths[0].backend.service;
    assert.deepEqual(backend, { name: fullname('gateway'), port: { number: 4000 } });
    assert.ok(named(docs, 'Service', fullname('gateway')).spec.ports.some((p) => p.port === 4000));
  });

  test('ServiceMonitor and PrometheusRule only when the cluster serves monitoring.coreos.com/v1', () => {
    assert.deepEqual(ofKind(docs, 'ServiceMonitor'), []);
    assert.deepEqual(ofKind(docs, 'PrometheusRule'), []);
    const monitors = ofKind(withCrds, 'ServiceMonitor');
    assert.deepEqual(monitors.map((m) => m.metadata.name).sort(), SERVICES.map(fullname).sort());
    for (const m of monitors) {
      assert.equal(m.apiVersion, 'monitoring.coreos.com/v1');
      assert.equal(m.spec.endpoints[0].port, 'metrics');
      assert.equal(m.metadata.labels.release, 'kube-prometheus-stack');
    }
    const rules = ofKind(withCrds, 'PrometheusRule');
    assert.equal(rules.length, 1);
    const alerts = Object.fromEntries(
      rules[0].spec.groups.flatMap((g) => g.rules).map((r) => [r.alert, r.expr]),
    );
    assert.match(alerts.TapelineServiceDown, /^up\{.*\} == 0$/);
    assert.match(alerts.TapelineGrpcErrorRatioHigh, /grpc_server_handled_total\{[^}]*grpc_code!="OK"/);
    assert.match(alerts.TapelinePodRestarting, /kube_pod_container_status_restarts_total/);
    assert.equal(ofKind(withCrds, 'Deployment').length, 7);
  });
});

describe('values-dev.yaml', () => {
  const docs = render('-f', devValues);

  test('one replica each, no HPA, the development broker, embedded chDB on PVCs, a dev Secret', () => {
    for (const svc of SERVICES) assert.equal(named(docs, 'Deployment', fullname(svc)).spec.replicas, 1);
    assert.deepEqual(ofKind(docs, 'HorizontalPodAutoscaler'), []);
    assert.ok(named(docs, 'Deployment', `${RELEASE}-kafka-dev`), 'development broker Deployment');
    const broker = named(docs, 'Service', `${RELEASE}-kafka-dev`);
    assert.equal(broker.spec.ports[0].port, 9092);
    for (const svc of KAFKA_USERS) {
      assert.equal(
        environment(docs, svc).KAFKA_BROKERS,
        `${RELEASE}-kafka-dev.${NAMESPACE}.svc.cluster.local:9092`,
      );
    }
    assert.deepEqual(
      ofKind(docs, 'PersistentVolumeClaim')
        .map((p) => p.metadata.name)
        .sort(),
      HISTORY.map((s) => `${fullname(s)}-data`).sort(),
    );
    for (const svc of HISTORY) {
      const env = environment(docs, svc);
      assert.equal(env.CLICKHOUSE_URL, undefined);
      assert.equal(env.SERVICE_DATA_DIR, '/var/lib/tapeline');
      assert.equal(named(docs, 'Deployment', fullname(svc)).spec.strategy.type, 'Recreate');
    }
    assert.deepEqual(
      ofKind(docs, 'Secret').map((s) => s.metadata.name),
      [`${RELEASE}-dev-credentials`],
    );
    const ing = ofKind(docs, 'Ingress')[0];
    assert.equal(ing.spec.tls, undefined);
  });
});

describe('bad values are rejected', () => {
  for (const [label, set, message] of [
    ['negative replicas', 'services.gateway.replicas=-1', /services\.gateway\.replicas/],
    ['unknown log level', 'logLevel=verbose', /logLevel/],
    ['gRPC port out of range', 'ports.grpc=70000', /ports\.grpc/],
    ['unknown service', 'services.ledger.replicas=1', /ledger|Additional property/i],
    ['grace period above 30 s', 'shutdown.terminationGracePeriodSeconds=60', /terminationGracePeriodSeconds/],
    ['unknown SASL mechanism', 'kafka.sasl.mechanism=gssapi', /mechanism/],
  ]) {
    test(`schema: ${label}`, () => {
      assert.match(renderFails('--set', set), message);
    });
  }

  test('template checks: shutdown must fit in the grace period', () => {
    assert.match(
      renderFails('--set', 'shutdown.preStopSleepSeconds=10'),
      /does not fit in terminationGracePeriodSeconds/,
    );
  });

  test('template checks: SASL without a password Secret', () => {
    assert.match(
      renderFails('-f', prodValues, '--set', 'kafka.sasl.existingSecret='),
      /kafka\.sasl\.existingSecret must name the Secret/,
    );
  });

  test('template checks: a one-pod service cannot be scaled out', () => {
    for (const svc of ['oms', 'risk', 'market-data', 'aggregation']) {
      const withServer = ['-f', prodValues, '--set', 'clickhouse.url=http://ch:8123'];
      assert.match(
        renderFails(...withServer, '--set', `services.${svc}.replicas=2`),
        new RegExp(`services\\.${svc}: runs as one pod`),
      );
      assert.match(
        renderFails(...withServer, '--set', `services.${svc}.autoscaling.enabled=true`),
        new RegExp(`services\\.${svc}: runs as one pod`),
      );
    }
  });
});

describe('skaffold.yaml', () => {
  const config = parse(readFileSync(path.join(repoRoot, 'skaffold.yaml'), 'utf8'));

  test('one artifact per service from charts/Dockerfile, each wired into the chart', () => {
    const artifacts = Object.fromEntries(config.build.artifacts.map((a) => [a.image, a.docker]));
    const release = config.deploy.helm.releases[0];
    assert.equal(release.chartPath, 'charts/tapeline');
    assert.deepEqual(release.valuesFiles, ['charts/tapeline/values-dev.yaml']);
    for (const svc of SERVICES) {
      const docker = artifacts[`tapeline/${svc}`];
      assert.ok(docker, `no artifact for ${svc}`);
      assert.equal(docker.dockerfile, 'charts/Dockerfile');
      assert.equal(docker.buildArgs.SERVICE, svc);
      assert.equal(
        release.setValueTemplates[`services.${svc}.image`],
        `{{.IMAGE_FULLY_QUALIFIED_tapeline_${svc.replaceAll('-', '_')}}}`,
      );
    }
    assert.deepEqual(
      config.profiles.map((p) => p.name),
      ['dev', 'prod'],
    );
    assert.ok(existsSync(path.join(repoRoot, 'charts/Dockerfile')));
  });
});

describe('terraform/', () => {
  // CHECKPOINT_DISABLE: no version check over the network.
  const env = { ...process.env, CHECKPOINT_DISABLE: '1' };
  const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8', env });
  test(
    'is formatted (terraform fmt -check)',
    { skip: terraform.status !== 0 && 'no terraform binary on PATH' },
    () => {
      const r = spawnSync('terraform', ['fmt', '-check', '-recursive', '-diff', 'terraform'], {
        cwd: repoRoot,
        encoding: 'utf8',
        env,
      });
      assert.equal(r.status, 0, `terraform fmt -check failed:\n${r.stdout}${r.stderr}`);
    },
  );
});
