import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_ENV_VARS, ConfigError, ConfigSchema, EVIDENCE_MEDIA_TYPES, loadConfig, repoRoot, SEARCH_ATTRIBUTES } from '../config';
import { describeTemporalSecurity, temporalCliFlags, temporalConnectionOptions } from '../config/temporal-connection';
import { defaultPolicy } from '../machines/policy';
import { makeTestPki, openssl, type TestPki } from './helpers/tls';

/** loadConfig must throw a ConfigError; returns it. */
function configError(env: NodeJS.ProcessEnv, file?: string): ConfigError {
  try {
    loadConfig({ env, file });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tempConfigFile(content: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'centers-config-'));
  tempDirs.push(dir);
  const file = path.join(dir, 'custom.config.json');
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('loadConfig', () => {
  it('gives the documented defaults from temporal.config.json, with paths resolved against the repository', () => {
    const cfg = loadConfig({ env: {} });
    expect(cfg).toEqual({
      temporal: { address: null, namespace: 'default', taskQueue: 'centers', tls: false, apiKey: null, startSecret: null },
      devServer: {
        ip: '127.0.0.1',
        port: 7233,
        uiPort: 8233,
        dbFilename: path.join(repoRoot, 'data', 'temporal.db'),
        headless: false,
        logLevel: 'warn',
      },
      database: { client: 'sqlite3', filename: path.join(repoRoot, 'data', 'centers.sqlite'), connection: null },
      worker: { maxConcurrentActivityTaskExecutions: 100, maxConcurrentWorkflowTaskExecutions: 40, metricsAddress: null, sdkMetricsAddress: null },
      rounds: {
        annualSummary: { month: 4, day: 15, hour: 9, minute: 0, timezone: 'Asia/Shanghai', kinds: ['yearEnd', 'summaryReminder', 'summaryDue'] },
        midTerm: { month: 5, day: 15, hour: 9, minute: 0, timezone: 'Asia/Shanghai', kinds: ['yearEnd'] },
      },
      notifications: { deliveryLog: path.join(repoRoot, 'data', 'notifications.jsonl'), webhook: null, smtp: null },
      api: {
        host: '127.0.0.1',
        port: 8080,
        url: null,
        tokenDays: 90,
        sessionHours: 12,
        rateLimitPerMinute: 600,
        loginAttemptsPerMinute: 10,
        secureCookies: false,
        oidc: null,
      },
      evidence: { dir: path.join(repoRoot, 'data/evidence'), maxBytes: 20 * 1024 * 1024, mediaTypes: [...EVIDENCE_MEDIA_TYPES] },
      policy: defaultPolicy,
    });
    expect(fs.existsSync(path.join(repoRoot, 'temporal.config.json'))).toBe(true);
    expect(fs.existsSync(path.join(repoRoot, 'package.json'))).toBe(true);
  });

  it('has built-in defaults identical to the repository file', () => {
    const file = JSON.parse(fs.readFileSync(path.join(repoRoot, 'temporal.config.json'), 'utf8'));
    expect(ConfigSchema.parse({})).toEqual(ConfigSchema.parse(file));
  });

  it('maps every setting to CENTERS_<SECTION>_<KEY>', () => {
    expect(CONFIG_ENV_VARS['temporal.address']).toBe('CENTERS_TEMPORAL_ADDRESS');
    expect(CONFIG_ENV_VARS['temporal.taskQueue']).toBe('CENTERS_TEMPORAL_TASK_QUEUE');
    expect(CONFIG_ENV_VARS['devServer.port']).toBe('CENTERS_DEV_SERVER_PORT');
    expect(CONFIG_ENV_VARS['devServer.dbFilename']).toBe('CENTERS_DEV_SERVER_DB_FILENAME');
    expect(CONFIG_ENV_VARS['database.filename']).toBe('CENTERS_DATABASE_FILENAME');
    expect(CONFIG_ENV_VARS['worker.maxConcurrentActivityTaskExecutions']).toBe(
      'CENTERS_WORKER_MAX_CONCURRENT_ACTIVITY_TASK_EXECUTIONS',
    );
    expect(CONFIG_ENV_VARS['api.url']).toBe('CENTERS_API_URL');
    expect(CONFIG_ENV_VARS.policy).toBe('CENTERS_POLICY');
    expect(CONFIG_ENV_VARS['notifications.webhook']).toBe('CENTERS_NOTIFICATIONS_WEBHOOK');
    expect(CONFIG_ENV_VARS['notifications.smtp']).toBe('CENTERS_NOTIFICATIONS_SMTP');
    expect(CONFIG_ENV_VARS['evidence.dir']).toBe('CENTERS_EVIDENCE_DIR');
    expect(CONFIG_ENV_VARS['evidence.maxBytes']).toBe('CENTERS_EVIDENCE_MAX_BYTES');
    expect(Object.keys(CONFIG_ENV_VARS)).toHaveLength(37);
  });

  it('takes numbers, strings, booleans, null and policy JSON from the environment', () => {
    const cfg = loadConfig({
      env: {
        CENTERS_DEV_SERVER_PORT: '17233',
        CENTERS_WORKER_MAX_CONCURRENT_ACTIVITY_TASK_EXECUTIONS: '7',
        CENTERS_TEMPORAL_ADDRESS: 'temporal.example.org:7233',
        CENTERS_TEMPORAL_NAMESPACE: '2026', // stays a string: namespace is a string setting
        CENTERS_TEMPORAL_TASK_QUEUE: 'centers-eu',
        CENTERS_TEMPORAL_TLS: 'true',
        CENTERS_DEV_SERVER_HEADLESS: 'true',
        CENTERS_DEV_SERVER_DB_FILENAME: 'null',
        CENTERS_DATABASE_FILENAME: 'var/other.sqlite',
        CENTERS_POLICY: JSON.stringify({
          cycleYears: 6,
          dimensionWeights: { mechanismInnovation: 0.4, ipManagement: 0.15, talentTraining: 0.15, resourceSharing: 0.15, professionalServices: 0.15 },
        }),
      },
    });
    expect(cfg.devServer.port).toBe(17233);
    expect(cfg.worker.maxConcurrentActivityTaskExecutions).toBe(7);
    expect(cfg.worker.maxConcurrentWorkflowTaskExecutions).toBe(40);
    expect(cfg.temporal.address).toBe('temporal.example.org:7233');
    expect(cfg.temporal.namespace).toBe('2026');
    expect(cfg.temporal.taskQueue).toBe('centers-eu');
    expect(cfg.temporal.tls).toBe(true);
    expect(cfg.devServer.headless).toBe(true);
    expect(cfg.devServer.dbFilename).toBeNull();
    expect(cfg.database.filename).toBe(path.join(repoRoot, 'var', 'other.sqlite'));
    expect(cfg.policy.cycleYears).toBe(6);
    expect(cfg.policy.dimensionWeights.mechanismInnovation).toBe(0.4);
    // untouched policy settings keep their defaults
    expect(cfg.policy.rectificationDays).toBe(defaultPolicy.rectificationDays);
    expect(cfg.policy.gradeThresholds).toEqual(defaultPolicy.gradeThresholds);
  });

  it('deep-merges CENTERS_POLICY over the file policy and treats empty variables as unset', () => {
    const file = tempConfigFile({ policy: { gradeThresholds: { excellent: 85 }, summaryGraceDays: 45 } });
    const cfg = loadConfig({
      file,
      env: { CENTERS_POLICY: JSON.stringify({ gradeThresholds: { qualified: 50 } }), CENTERS_DEV_SERVER_PORT: '' },
    });
    expect(cfg.policy.gradeThresholds).toEqual({ excellent: 85, qualified: 50 });
    expect(cfg.policy.summaryGraceDays).toBe(45);
    expect(cfg.devServer.port).toBe(7233);
  });

  it('reads another file named by CENTERS_CONFIG (missing settings take the defaults)', () => {
    const file = tempConfigFile({ temporal: { taskQueue: 'from-file' }, database: { client: 'pg', connection: 'postgres://u:p@db:5432/centers' } });
    const cfg = loadConfig({ env: { CENTERS_CONFIG: file, CENTERS_TEMPORAL_NAMESPACE: 'staging' } });
    expect(cfg.temporal.taskQueue).toBe('from-file');
    expect(cfg.temporal.namespace).toBe('staging');
    expect(cfg.database).toEqual({ client: 'pg', filename: 'data/centers.sqlite', connection: 'postgres://u:p@db:5432/centers' });
    expect(cfg.devServer.port).toBe(7233);

    const missing = configError({ CENTERS_CONFIG: 'no/such/file.json' });
    expect(missing.message).toContain('CENTERS_CONFIG');
    expect(missing.message).toContain(path.join(repoRoot, 'no/such/file.json'));
    expect(missing.message).toContain('not found');
  });

  it('refuses a bad value, naming the setting, its environment variable, the value and what is allowed', () => {
    const err = configError({ CENTERS_DEV_SERVER_PORT: 'abc' });
    expect(err.message).toContain('Invalid configuration: devServer.port (CENTERS_DEV_SERVER_PORT) = "abc": expected a number');
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ path: 'devServer.port', envVar: 'CENTERS_DEV_SERVER_PORT', value: 'abc' });

    const several = configError({
      CENTERS_DEV_SERVER_PORT: '70000',
      CENTERS_DATABASE_CLIENT: 'mysql',
      CENTERS_TEMPORAL_TLS: 'maybe',
      CENTERS_TEMPORAL_ADDRESS: 'no-port-here',
    });
    expect(several.issues.map((i) => i.path).sort()).toEqual(['database.client', 'devServer.port', 'temporal.address', 'temporal.tls']);
    expect(several.message).toContain('devServer.port (CENTERS_DEV_SERVER_PORT) = 70000: expected a number (whole, 1 to 65535)');
    expect(several.message).toContain('database.client (CENTERS_DATABASE_CLIENT) = "mysql": expected one of "sqlite3", "pg"');
    expect(several.message).toContain('temporal.tls (CENTERS_TEMPORAL_TLS) = "maybe": expected true or false');
    expect(several.message).toContain('temporal.address (CENTERS_TEMPORAL_ADDRESS) = "no-port-here": expected "host:port"');
  });

  it('refuses pg without a connection string and unknown settings in the file', () => {
    const pg = configError({ CENTERS_DATABASE_CLIENT: 'pg' });
    expect(pg.message).toContain('database.connection (CENTERS_DATABASE_CONNECTION) = null: required when database.client is "pg"');

    const unknown = configError({}, tempConfigFile({ devServer: { prot: 7233 } }));
    expect(unknown.message).toContain('devServer = {"prot":7233}: unknown setting "prot"; allowed: ip, port,');

    const notJson = configError({}, tempConfigFile('{ "temporal": '));
    expect(notJson.message).toMatch(/configuration file .*custom\.config\.json.*cannot be read/);
  });

  it('refuses a bad policy with the policy path and CENTERS_POLICY', () => {
    const weights = configError({ CENTERS_POLICY: JSON.stringify({ dimensionWeights: { mechanismInnovation: 0.5 } }) });
    expect(weights.issues).toHaveLength(1);
    expect(weights.issues[0]).toMatchObject({ path: 'policy.dimensionWeights', envVar: 'CENTERS_POLICY' });
    expect(weights.message).toContain(
      'policy.dimensionWeights (CENTERS_POLICY) = {"mechanismInnovation":0.5}: dimension weights must add up to 1',
    );

    const range = configError({ CENTERS_POLICY: JSON.stringify({ cycleYears: 0 }) });
    expect(range.message).toContain('policy.cycleYears (CENTERS_POLICY) = 0: expected a number (whole, 1 to 10)');

    const cross = configError({ CENTERS_POLICY: JSON.stringify({ cycleYears: 2, midTermAfterYears: 2 }) });
    expect(cross.message).toContain('policy.midTermAfterYears (CENTERS_POLICY) = 2: the mid-term evaluation must come before the end of the cycle');

    const notJson = configError({ CENTERS_POLICY: '{cycleYears: 6}' });
    expect(notJson.message).toContain('policy (CENTERS_POLICY) = "{cycleYears: 6}": expected a JSON object of policy settings');

    const inFile = configError({}, tempConfigFile({ policy: { gradeThresholds: { excellent: 50, qualified: 60 } } }));
    expect(inFile.message).toContain('policy.gradeThresholds (CENTERS_POLICY)');
    expect(inFile.message).toContain('the excellent threshold must be above the qualified one');
  });
});

describe.skipIf(!openssl)('temporal.tls and temporal.apiKey (certificates made with openssl)', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = makeTestPki();
  });
  afterAll(() => pki?.remove());
  const ADDRESS = { CENTERS_TEMPORAL_ADDRESS: 'temporal.example.org:7233' };
  const SECRET = 'tc-secret-0123456789abcdef';

  it('takes an object: server name, root CA and the client pair, with relative paths resolved against the repository', () => {
    const file = tempConfigFile({
      temporal: {
        address: 'temporal.example.org:7233',
        tls: {
          serverName: pki.serverName,
          serverRootCACertificate: path.relative(repoRoot, pki.caCert),
          clientCertificate: path.relative(repoRoot, pki.clientCert),
          clientKey: pki.clientKey,
        },
      },
    });
    const cfg = loadConfig({ env: {}, file });
    expect(cfg.temporal.tls).toEqual({
      serverName: pki.serverName,
      serverRootCACertificate: pki.caCert,
      clientCertificate: pki.clientCert,
      clientKey: pki.clientKey,
    });
    expect(describeTemporalSecurity(cfg)).toBe(`mTLS (client certificate ${pki.clientCert}, server checked against CA ${pki.caCert}), server name ${pki.serverName}`);
    expect(temporalCliFlags(cfg, 'temporal.example.org:7233')).toEqual([
      '--address temporal.example.org:7233',
      `--tls-ca-path ${pki.caCert}`,
      `--tls-cert-path ${pki.clientCert}`,
      `--tls-key-path ${pki.clientKey}`,
      `--tls-server-name ${pki.serverName}`,
    ]);
  });

  it('builds the SDK TLSConfig with the files read into buffers, for the client and the worker alike', () => {
    const cfg = loadConfig({
      env: {
        ...ADDRESS,
        CENTERS_TEMPORAL_TLS: JSON.stringify({ serverName: pki.serverName, serverRootCACertificate: pki.caCert, clientCertificate: pki.clientCert, clientKey: pki.clientKey }),
      },
    });
    const opts = temporalConnectionOptions(cfg);
    expect(opts.address).toBe('temporal.example.org:7233');
    expect(opts.apiKey).toBeUndefined();
    expect(opts.tls?.serverNameOverride).toBe(pki.serverName);
    expect(Buffer.isBuffer(opts.tls?.serverRootCACertificate)).toBe(true);
    expect(opts.tls?.serverRootCACertificate).toEqual(fs.readFileSync(pki.caCert));
    expect(opts.tls?.clientCertPair?.crt).toEqual(fs.readFileSync(pki.clientCert));
    expect(opts.tls?.clientCertPair?.key).toEqual(fs.readFileSync(pki.clientKey));

    // server-only TLS with a private CA: no client pair
    const serverOnly = temporalConnectionOptions(loadConfig({ env: { ...ADDRESS, CENTERS_TEMPORAL_TLS: JSON.stringify({ serverRootCACertificate: pki.caCert }) } }));
    expect(Object.keys(serverOnly.tls ?? {})).toEqual(['serverRootCACertificate']);
  });

  it('keeps true/false in CENTERS_TEMPORAL_TLS; true is TLS with the system CAs; an API key is never sent in plaintext', () => {
    const on = loadConfig({ env: { ...ADDRESS, CENTERS_TEMPORAL_TLS: 'true' } });
    expect(on.temporal.tls).toBe(true);
    expect(temporalConnectionOptions(on).tls).toEqual({});
    const off = loadConfig({ env: { ...ADDRESS, CENTERS_TEMPORAL_TLS: 'false' } });
    expect(off.temporal.tls).toBe(false);
    expect(temporalConnectionOptions(off).tls).toBeUndefined();

    const keyed = loadConfig({ env: { ...ADDRESS, CENTERS_TEMPORAL_API_KEY: `${SECRET}\n` } });
    expect(keyed.temporal.apiKey).toBe(SECRET); // a trailing newline from `$(cat key-file)` is trimmed
    expect(temporalConnectionOptions(keyed)).toEqual({ address: 'temporal.example.org:7233', tls: {}, apiKey: SECRET });
    expect(temporalCliFlags(keyed, 'temporal.example.org:7233')).toEqual([
      '--address temporal.example.org:7233',
      '--tls',
      '--api-key "$TEMPORAL_API_KEY"',
    ]);
    expect(describeTemporalSecurity(keyed)).toBe("TLS (server checked against the system's CAs) + API key");
    expect(JSON.stringify(temporalCliFlags(keyed, 'x:1'))).not.toContain(SECRET);
  });

  it('refuses half a client pair, naming the missing setting', () => {
    const err = configError({ ...ADDRESS, CENTERS_TEMPORAL_TLS: JSON.stringify({ clientCertificate: pki.clientCert }) });
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ path: 'temporal.tls.clientKey', envVar: 'CENTERS_TEMPORAL_TLS', value: undefined });
    expect(err.message).toContain(
      'temporal.tls.clientKey (CENTERS_TEMPORAL_TLS) = (not set): missing: mTLS needs both temporal.tls.clientCertificate and temporal.tls.clientKey',
    );
    const other = configError({}, tempConfigFile({ temporal: { address: 'h:7233', tls: { clientKey: pki.clientKey } } }));
    expect(other.issues.map((i) => i.path)).toEqual(['temporal.tls.clientCertificate']);
  });

  it('refuses missing, swapped, mismatched and inline files, saying what each setting should hold', () => {
    const missing = configError({ ...ADDRESS, CENTERS_TEMPORAL_TLS: JSON.stringify({ serverRootCACertificate: 'certs/no-such-ca.pem' }) });
    expect(missing.issues[0]).toMatchObject({ path: 'temporal.tls.serverRootCACertificate', envVar: 'CENTERS_TEMPORAL_TLS' });
    expect(missing.message).toContain(`file not found: expected the PEM certificate of the CA that issued the Temporal server's certificate at ${path.join(repoRoot, 'certs/no-such-ca.pem')}`);

    const swapped = configError({ ...ADDRESS, CENTERS_TEMPORAL_TLS: JSON.stringify({ clientCertificate: pki.clientKey, clientKey: pki.clientCert }) });
    expect(swapped.issues.map((i) => i.path)).toEqual(['temporal.tls.clientCertificate', 'temporal.tls.clientKey']);
    expect(swapped.message).toContain('did you swap temporal.tls.clientCertificate and temporal.tls.clientKey?');

    const mismatched = configError({ ...ADDRESS, CENTERS_TEMPORAL_TLS: JSON.stringify({ clientCertificate: pki.clientCert, clientKey: pki.strangerKey }) });
    expect(mismatched.issues).toHaveLength(1);
    expect(mismatched.message).toContain(`temporal.tls.clientKey (CENTERS_TEMPORAL_TLS) = ${JSON.stringify(pki.strangerKey)}: ${pki.strangerKey} is not the private key of the certificate in temporal.tls.clientCertificate`);

    const notPem = configError({ ...ADDRESS, CENTERS_TEMPORAL_TLS: JSON.stringify({ serverRootCACertificate: path.join(repoRoot, 'package.json') }) });
    expect(notPem.message).toContain('is not a PEM certificate');

    // the key's text pasted in place of its path: refused, and never echoed
    const keyText = fs.readFileSync(pki.clientKey, 'utf8');
    const inline = configError({}, tempConfigFile({ temporal: { address: 'h:7233', tls: { clientCertificate: pki.clientCert, clientKey: keyText } } }));
    expect(inline.message).toContain('temporal.tls.clientKey (CENTERS_TEMPORAL_TLS) = "***": expected the path of a PEM file, not the PEM text itself');
    expect(inline.message).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(inline.issues)).not.toContain('PRIVATE KEY');

    const unknown = configError({ ...ADDRESS, CENTERS_TEMPORAL_TLS: JSON.stringify({ caFile: pki.caCert }) });
    expect(unknown.message).toContain('unknown setting "caFile"; allowed: serverName, serverRootCACertificate, clientCertificate, clientKey');
    const badType = configError({ ...ADDRESS, CENTERS_TEMPORAL_TLS: JSON.stringify({ serverName: 7 }) });
    expect(badType.message).toContain('temporal.tls.serverName (CENTERS_TEMPORAL_TLS) = 7: expected a non-empty string');
    const word = configError({ ...ADDRESS, CENTERS_TEMPORAL_TLS: 'on' });
    expect(word.message).toContain(
      'temporal.tls (CENTERS_TEMPORAL_TLS) = "on": expected true or false, or an object with serverName, serverRootCACertificate, clientCertificate, clientKey',
    );
  });

  it('refuses TLS and an API key for the embedded dev server, which speaks plaintext', () => {
    const tls = configError({ CENTERS_TEMPORAL_TLS: 'true' });
    expect(tls.message).toContain('temporal.tls (CENTERS_TEMPORAL_TLS) = true: the embedded dev server (temporal.address null) speaks plaintext only');
    const key = configError({ CENTERS_TEMPORAL_API_KEY: SECRET });
    expect(key.message).toContain('temporal.apiKey (CENTERS_TEMPORAL_API_KEY) = "***": the embedded dev server (temporal.address null) takes no API key');
    expect(key.message).not.toContain(SECRET);
  });

  it('never shows an API key or a connection password in a ConfigError', () => {
    const errors = [
      configError({ CENTERS_TEMPORAL_API_KEY: SECRET }),
      configError({}, tempConfigFile({ temporal: { address: 'h:7233', apiKey: SECRET, tsl: true } })), // the section is shown
      configError({}, tempConfigFile({ temporal: { address: 'h:7233', apiKey: SECRET }, extra: 1 })), // the whole file is shown
      configError({}, tempConfigFile({ temporal: { address: 'h:7233', apiKey: 12345 } })),
      configError({ CENTERS_DATABASE_CLIENT: 'pg', CENTERS_DATABASE_CONNECTION: `postgres://centers:${SECRET}@db:5432/x`, CENTERS_DEV_SERVER_PORT: 'x', CENTERS_TEMPORAL_API_KEY: SECRET }),
    ];
    const section = errors[1].issues.find((i) => i.path === 'temporal');
    expect(section?.value).toEqual({ address: 'h:7233', apiKey: '***', tsl: true });
    expect(errors[3].message).toContain('temporal.apiKey (CENTERS_TEMPORAL_API_KEY) = "***": expected a non-empty string or null');
    for (const e of errors) {
      expect(e.message).not.toContain(SECRET);
      expect(e.message).not.toContain('12345');
      expect(JSON.stringify(e.issues)).not.toContain(SECRET);
    }
  });
});

describe('SEARCH_ATTRIBUTES', () => {
  it('lists the custom search attributes with their types', () => {
    expect(SEARCH_ATTRIBUTES).toEqual({
      CenterId: 'Keyword',
      CenterState: 'Keyword',
      UniversityId: 'Keyword',
      CallId: 'Keyword',
      CenterCycle: 'Int',
      NextDeadline: 'Datetime',
    });
  });
});
