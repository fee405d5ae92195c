import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_ENV_VARS, ConfigError, ConfigSchema, loadConfig, repoRoot, SEARCH_ATTRIBUTES } from '../config';
import { defaultPolicy } from '../machines/policy';

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
      temporal: { address: null, namespace: 'default', taskQueue: 'centers', tls: false, apiKey: null },
      devServer: {
        ip: '127.0.0.1',
        port: 7233,
        uiPort: 8233,
        dbFilename: path.join(repoRoot, 'data', 'temporal.db'),
        headless: false,
        logLevel: 'warn',
      },
      database: { client: 'sqlite3', filename: path.join(repoRoot, 'data', 'centers.sqlite'), connection: null },
      worker: { maxConcurrentActivityTaskExecutions: 100, maxConcurrentWorkflowTaskExecutions: 40 },
      rounds: {
        annualSummary: { month: 4, day: 15, hour: 9, minute: 0, timezone: 'Asia/Shanghai', kinds: ['yearEnd', 'summaryReminder', 'summaryDue'] },
        midTerm: { month: 5, day: 15, hour: 9, minute: 0, timezone: 'Asia/Shanghai', kinds: ['yearEnd'] },
      },
      notifications: { deliveryLog: path.join(repoRoot, 'data', 'notifications.jsonl') },
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
    expect(Object.keys(CONFIG_ENV_VARS)).toHaveLength(29);
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
