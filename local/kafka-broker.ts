/**
 * A single-node Kafka broker (KRaft, combined broker and controller) for the local streaming mode:
 * the stand-in for Kinesis on one machine. It runs the Apache Kafka jars from Maven Central as a
 * plain `java` process on free loopback ports, keeps its data in the directory it is given, and
 * never outlives the Node process that started it: it watches its standard input and exits when
 * that closes (local/kafka/ParentWatchingBroker.java), and `stop()` or this process's exit stops
 * it sooner.
 */
import { Admin } from '@platformatic/kafka';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { UserError } from '../core/user-error';
import { join } from 'node:path';
import { projectRoot } from '../core/project';

/** The topics of the local streaming mode, one per Kinesis stream of the cloud. */
export const STREAM_TOPICS = ['ingest', 'events', 'processed', 'aggregates'] as const;
export type StreamTopic = (typeof STREAM_TOPICS)[number];

/** The broker's loopback address: nothing here listens on any other interface. */
export const BROKER_HOST = '127.0.0.1';

export class KafkaBrokerError extends UserError {
  override readonly name: string = 'KafkaBrokerError';
}

export function brokerPaths(root = projectRoot()) {
  const dir = join(root, 'local', 'kafka');
  return {
    dir,
    pom: join(dir, 'pom.xml'),
    launcher: join(dir, 'ParentWatchingBroker.java'),
    classpath: join(dir, 'target', 'broker-classpath.txt'),
  };
}

/**
 * The broker's classpath (Kafka and its runtime dependencies from Maven Central), resolved with
 * Maven on first use and again when local/kafka/pom.xml changes.
 */
export function ensureBrokerClasspath(log: (line: string) => void = (line) => process.stderr.write(line + '\n')): string {
  const paths = brokerPaths();
  if (!existsSync(paths.classpath) || statSync(paths.classpath).mtimeMs < statSync(paths.pom).mtimeMs) {
    log('resolving the Kafka broker (mvn -q -B package in local/kafka); the first time downloads Apache Kafka from Maven Central');
    const build = spawnSync('mvn', ['-q', '-B', 'package'], { cwd: paths.dir, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (build.error) throw new KafkaBrokerError(`cannot run mvn (${build.error.message}); install Maven 3.8+ and Java 17, then retry`);
    if (build.status !== 0) throw new KafkaBrokerError(`resolving the Kafka broker failed (mvn exited ${build.status}):\n${(build.stdout + build.stderr).trim()}`);
    // Maven leaves an unchanged classpath file as it was: mark it as checked against this pom.
    const now = new Date();
    utimesSync(paths.classpath, now, now);
  }
  return readFileSync(paths.classpath, 'utf8').trim();
}

/** A TCP port free on the loopback interface right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, BROKER_HOST, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port assigned'))));
    });
  });
}

export interface BrokerPorts {
  /** Clients' listener. */
  broker: number;
  /** The KRaft controller's listener. */
  controller: number;
}

/**
 * server.properties of a one-node KRaft cluster bound to loopback only. Kafka's defaults assume
 * three brokers: every internal topic (consumer offsets, transaction state, share-group state)
 * is set to one replica and one in-sync replica here, or transactions and consumer groups would
 * wait forever for brokers that do not exist.
 */
export function brokerProperties(ports: BrokerPorts, logDir: string): string {
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@${BROKER_HOST}:${ports.controller}`,
    listeners: `PLAINTEXT://${BROKER_HOST}:${ports.broker},CONTROLLER://${BROKER_HOST}:${ports.controller}`,
    'advertised.listeners': `PLAINTEXT://${BROKER_HOST}:${ports.broker}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': logDir,
    // Topics are created by name at start; a typo in a client must fail, not make a new topic.
    'auto.create.topics.enable': false,
    'num.partitions': 1,
    'default.replication.factor': 1,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    // A lone consumer joins its group at once instead of after the default 3 s wait for others.
    'group.initial.rebalance.delay.ms': 0,
    // Flink's exactly-once Kafka sink opens transactions of up to this long (its default is 1 h).
    'transaction.max.timeout.ms': 3_600_000,
    'num.network.threads': 2,
    'num.io.threads': 2,
    'num.recovery.threads.per.data.dir': 1,
  };
  return (
    Object.entries(props)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n') + '\n'
  );
}

/** Log4j 2 configuration of the broker: warnings and errors only, on standard error. */
const BROKER_LOG_CONFIG = [
  'status = error',
  'appender.stderr.type = Console',
  'appender.stderr.name = stderr',
  'appender.stderr.target = SYSTEM_ERR',
  'appender.stderr.layout.type = PatternLayout',
  'appender.stderr.layout.pattern = [kafka] %d{HH:mm:ss.SSS} %-5p %c{1}: %m%n',
  'rootLogger.level = warn',
  'rootLogger.appenderRef.stderr.ref = stderr',
  '',
].join('\n');

export interface TopicSpec {
  name: string;
  partitions?: number;
}

export interface StartBrokerOptions {
  /** The broker's own directory (config, logs, data), e.g. inside the run's scratch directory. */
  dir: string;
  /** Topics created before start resolves; default the four topics of the streaming mode. */
  topics?: readonly (string | TopicSpec)[];
  /** Maximum heap of the broker's JVM. Default 512m. */
  heap?: string;
  /** How long to wait for the broker to answer. Default 60 s. */
  startTimeoutMs?: number;
  /** Receives the broker's standard error (warnings and errors). */
  onStderr?: (chunk: string) => void;
  log?: (line: string) => void;
}

export interface KafkaBroker {
  /** host:port for clients' bootstrap.servers. */
  readonly bootstrap: string;
  readonly port: number;
  readonly pid: number;
  readonly dir: string;
  /** Stops the broker and waits for its process to end (SIGTERM, then SIGKILL after 20 s). */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

// The last line of defence for a Node process that ends without calling stop(): kill what is left.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

function jvmArgs(heap: string, logConfig: string, classpath: string): string[] {
  return [`-Xmx${heap}`, '-Xms64m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Dlog4j.configurationFile=${logConfig}`, `-Djava.io.tmpdir=${tmpdir()}`, '-cp', classpath];
}

/**
 * A KRaft cluster id: 16 random bytes in URL-safe base64, as Kafka's own `Uuid.randomUuid()` makes
 * them, and like it never one that starts with `-`, which the storage tool would read as an option.
 */
export function newClusterId(random: (size: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Starts a broker, waits until it answers, creates the topics; rejects (with nothing left running) when it cannot. */
export async function startKafkaBroker(opts: StartBrokerOptions): Promise<KafkaBroker> {
  const classpath = ensureBrokerClasspath(opts.log);
  const paths = brokerPaths();
  const heap = opts.heap ?? '512m';
  mkdirSync(opts.dir, { recursive: true });
  const ports = { broker: await freePort(), controller: await freePort() };
  const config = join(opts.dir, 'server.properties');
  const logConfig = join(opts.dir, 'log4j2.properties');
  writeFileSync(config, brokerProperties(ports, join(opts.dir, 'data')));
  writeFileSync(logConfig, BROKER_LOG_CONFIG);

  const clusterId = newClusterId();
  const format = spawnSync('java', [...jvmArgs('256m', logConfig, classpath), 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', config], { encoding: 'utf8' });
  if (format.error) throw new KafkaBrokerError(`cannot run java (${format.error.message}); install Java 17 and retry`);
  if (format.status !== 0) throw new KafkaBrokerError(`formatting the Kafka storage in ${opts.dir} failed: ${(format.stdout + format.stderr).trim()}`);

  installExitHook();
  // Its own process group: Ctrl-C reaches the owner, which stops the broker after the jobs that use it.
  const child = spawn('java', [...jvmArgs(heap, logConfig, classpath), paths.launcher, config], { stdio: ['pipe', 'ignore', 'pipe'], detached: true });
  running.add(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
    opts.onStderr?.(chunk);
  });
  const exited = new Promise<number | null>((done) => {
    child.on('error', (err) => {
      stderr += `\n${err.message}`;
      done(null);
    });
    child.on('exit', (code) => {
      running.delete(child);
      done(code);
    });
  });

  const bootstrap = `${BROKER_HOST}:${ports.broker}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(killer);
  };

  try {
    await Promise.race([
      waitForTopics(bootstrap, opts.topics ?? STREAM_TOPICS, opts.startTimeoutMs ?? 60_000),
      exited.then((code) => {
        throw new KafkaBrokerError(`the Kafka broker exited (code ${code}) before it was ready:\n${stderr.trim().split('\n').slice(-20).join('\n')}`);
      }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { bootstrap, port: ports.broker, pid: child.pid!, dir: opts.dir, stop };
}

/** Creates the topics, retrying while the broker is still starting up. */
async function waitForTopics(bootstrap: string, topics: readonly (string | TopicSpec)[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const specs = topics.map((t) => (typeof t === 'string' ? { name: t, partitions: 1 } : { partitions: 1, ...t }));
  let lastError = '';
  while (Date.now() < deadline) {
    const admin = new Admin({ clientId: 'sluice-local-admin', bootstrapBrokers: [bootstrap], retries: 0, timeout: 5_000 });
    try {
      const existing = new Set(await admin.listTopics());
      for (const spec of specs) {
        if (!existing.has(spec.name)) await admin.createTopics({ topics: [spec.name], partitions: spec.partitions, replicas: 1 });
      }
      return;
    } catch (err) {
      lastError = (err as Error).message;
      await new Promise((r) => setTimeout(r, 250));
    } finally {
      await admin.close().catch(() => undefined);
    }
  }
  throw new KafkaBrokerError(`the Kafka broker on ${bootstrap} did not answer within ${timeoutMs / 1000} s (last error: ${lastError})`);
}
