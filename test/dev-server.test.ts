import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Client, Connection } from '@temporalio/client';
import { SearchAttributeType, TypedSearchAttributes } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { NativeConnection } from '@temporalio/worker';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig, SEARCH_ATTRIBUTE_KEYS, SEARCH_ATTRIBUTES } from '../config';
import { findFreePort, startDevServer, type DevServer, type DevServerPidFile } from '../config/dev-server';
import { temporalConnectionOptions } from '../config/temporal-connection';
import { openssl, makeTestPki } from './helpers/tls';

const SDK_TYPE = { Keyword: SearchAttributeType.KEYWORD, Int: SearchAttributeType.INT, Datetime: SearchAttributeType.DATETIME } as const;

/** Every custom search attribute with its indexed value type, as the server should report them. */
const expectedAttributes = Object.fromEntries(
  Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => [name, encodeSearchAttributeIndexedValueType(SDK_TYPE[type])]),
);

const running: DevServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function withConnection<T>(address: string, fn: (c: Connection) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await fn(connection);
  } finally {
    await connection.close();
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True if host:port can be bound (nobody listens). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

describe('startDevServer', () => {
  it('starts an in-memory headless dev server with the custom search attributes, and stops it', async () => {
    const cfg = loadConfig({ env: {} });
    const port = await findFreePort();
    const server = await startDevServer(cfg, { dbFilename: null, port, headless: true });
    running.push(server);
    expect(server.address).toBe(`127.0.0.1:${port}`);
    expect(server.uiUrl).toBeNull();

    const { customAttributes } = await withConnection(server.address, (c) =>
      c.operatorService.listSearchAttributes({ namespace: cfg.temporal.namespace }),
    );
    expect(customAttributes).toMatchObject(expectedAttributes);

    await server.stop();
    expect(processAlive(server.pid)).toBe(false);
    expect(await portFree(port)).toBe(true);
    await server.stop(); // idempotent
  });

  it('says clearly when the port is already taken', async () => {
    const cfg = loadConfig({ env: {} });
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen({ host: '127.0.0.1', port: 0 }, r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startDevServer(cfg, { dbFilename: null, port, headless: true })).rejects.toThrow(
        new RegExp(`port 127\\.0\\.0\\.1:${port} is already in use`),
      );
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('records itself in pidFile: a stale file is removed, one naming a server whose owner runs is refused', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'centers-devserver-pid-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const pidFile = path.join(dir, 'temporal.db.pid');
    const cfg = loadConfig({ env: {} });
    const port = await findFreePort();
    // A file left by a server long gone (pid 2^22 + 1 is above Linux's pid_max default of 2^22).
    fs.writeFileSync(pidFile, JSON.stringify({ pid: 4_194_305, port, ownerPid: 4_194_306 }));
    const lines: string[] = [];
    const server = await startDevServer(cfg, { dbFilename: null, port, headless: true, pidFile, log: (s) => lines.push(s) });
    running.push(server);
    expect(lines.join('\n')).toContain(`Removed ${pidFile}: the Temporal dev server it names (pid 4194305) is no longer running.`);
    const record = JSON.parse(fs.readFileSync(pidFile, 'utf8')) as DevServerPidFile;
    expect(record).toMatchObject({ pid: server.pid, port, ownerPid: process.pid, dbFilename: null });
    expect(processAlive(record.watchdogPid!)).toBe(true);

    // The same file again while its server and owner run: an error, and the running server is left alone.
    await expect(startDevServer(cfg, { dbFilename: null, port: await findFreePort(), headless: true, pidFile })).rejects.toThrow(
      `Another \`npm start\` (pid ${process.pid}) is running, with its Temporal dev server (pid ${server.pid}) on port ${port}`,
    );
    expect(processAlive(server.pid)).toBe(true);

    await server.stop();
    expect(fs.existsSync(pidFile)).toBe(false);
    expect(await portFree(port)).toBe(true);
    await expect.poll(() => processAlive(record.watchdogPid!), { timeout: 10_000 }).toBe(false);
  });

  it('persists to a file: a restart keeps workflows and restores missing search attributes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'centers-devserver-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const dbFilename = path.join(dir, 'nested', 'temporal.db'); // the directory is created
    const cfg = loadConfig({ env: { CENTERS_TEMPORAL_NAMESPACE: 'centers-test' } });
    const port = await findFreePort();
    const workflowId = `persisted-${Date.now()}`;

    const first = await startDevServer(cfg, { dbFilename, port, headless: true });
    running.push(first);
    await withConnection(first.address, async (connection) => {
      const client = new Client({ connection, namespace: 'centers-test' });
      // No worker polls this queue: the workflow just stays open.
      await client.workflow.start('nobodyRunsThis', {
        taskQueue: 'no-worker',
        workflowId,
        typedSearchAttributes: new TypedSearchAttributes([{ key: SEARCH_ATTRIBUTE_KEYS.CenterId, value: 'center-1' }]),
      });
      // The CLI registers --search-attribute only on a fresh database; simulate an attribute added later.
      await connection.operatorService.removeSearchAttributes({ namespace: 'centers-test', searchAttributes: ['CallId'] });
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'centers-test' });
      expect(customAttributes).not.toHaveProperty('CallId');
    });
    await first.stop();
    expect(fs.existsSync(dbFilename)).toBe(true);

    const second = await startDevServer(cfg, { dbFilename, port, headless: true });
    running.push(second);
    await withConnection(second.address, async (connection) => {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'centers-test' });
      expect(customAttributes).toMatchObject(expectedAttributes);
      const client = new Client({ connection, namespace: 'centers-test' });
      const description = await client.workflow.getHandle(workflowId).describe();
      expect(description.status.name).toBe('RUNNING');
      expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTE_KEYS.CenterId)).toBe('center-1');
    });
  });
});

/**
 * Mutual TLS for real. `temporal server start-dev` has no TLS flags, so a TLS front end (node:tls, as a load
 * balancer or the server's own frontend would) stands before the dev server: it presents a server certificate from
 * a test CA, demands a client certificate from that CA, and passes the HTTP/2 stream through. The client and the
 * worker connect with the options temporalConnectionOptions builds from temporal.tls.
 */
describe.skipIf(!openssl)('mTLS with the options of temporal.tls', () => {
  it('connects the client and the worker with the client certificate, and is refused without it', async () => {
    const pki = makeTestPki();
    onTestFinished(() => pki.remove());
    const server = await startDevServer(loadConfig({ env: {} }), { dbFilename: null, port: await findFreePort(), headless: true });
    running.push(server);
    const [upHost, upPort] = [server.address.slice(0, server.address.lastIndexOf(':')), Number(server.address.slice(server.address.lastIndexOf(':') + 1))];

    const peers: string[] = [];
    const front = tls.createServer(
      {
        key: fs.readFileSync(pki.serverKey),
        cert: fs.readFileSync(pki.serverCert),
        ca: fs.readFileSync(pki.caCert),
        requestCert: true,
        rejectUnauthorized: true,
        ALPNProtocols: ['h2'],
      },
      (socket) => {
        peers.push(String(socket.getPeerCertificate().subject?.CN));
        const upstream = net.connect(upPort, upHost);
        socket.pipe(upstream).pipe(socket);
        const end = () => {
          socket.destroy();
          upstream.destroy();
        };
        socket.on('error', end);
        upstream.on('error', end);
      },
    );
    front.on('tlsClientError', () => {}); // a client without a certificate: refused in the handshake
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    onTestFinished(() => new Promise<void>((r) => front.close(() => r())));
    const address = `127.0.0.1:${(front.address() as net.AddressInfo).port}`;

    const tlsSetting = { serverName: pki.serverName, serverRootCACertificate: pki.caCert, clientCertificate: pki.clientCert, clientKey: pki.clientKey };
    const cfg = loadConfig({ env: { CENTERS_TEMPORAL_ADDRESS: address, CENTERS_TEMPORAL_TLS: JSON.stringify(tlsSetting) } });
    const options = temporalConnectionOptions(cfg);
    expect(options.tls?.clientCertPair).toBeDefined();

    // the client (the CLI, the API)
    const connection = await Connection.connect({ ...options, connectTimeout: 10_000 });
    try {
      const { namespaceInfo } = await connection.workflowService.describeNamespace({ namespace: 'default' });
      expect(namespaceInfo?.name).toBe('default');
    } finally {
      await connection.close();
    }
    // the worker's connection (Rust core)
    const native = await NativeConnection.connect(options);
    try {
      const { namespaceInfo } = await native.workflowService.describeNamespace({ namespace: 'default' });
      expect(namespaceInfo?.name).toBe('default');
    } finally {
      await native.close();
    }
    expect(peers.length).toBeGreaterThanOrEqual(2);
    expect(new Set(peers)).toEqual(new Set(['centers-worker']));

    // server-only TLS (no client pair), and a pair the CA never issued: the front end refuses both
    for (const setting of [
      { serverName: pki.serverName, serverRootCACertificate: pki.caCert },
      { ...tlsSetting, clientCertificate: pki.strangerCert, clientKey: pki.strangerKey },
    ]) {
      const refused = temporalConnectionOptions(loadConfig({ env: { CENTERS_TEMPORAL_ADDRESS: address, CENTERS_TEMPORAL_TLS: JSON.stringify(setting) } }));
      await expect(Connection.connect({ ...refused, connectTimeout: 3_000 })).rejects.toThrow();
      await expect(NativeConnection.connect(refused)).rejects.toThrow();
    }
    expect(new Set(peers)).toEqual(new Set(['centers-worker']));
  });
});
