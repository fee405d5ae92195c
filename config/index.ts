/**
 * The whole configuration, validated at start-up.
 *
 * Sources, later ones winning:
 *   1. built-in defaults (the same values as the repository's temporal.config.json);
 *   2. the configuration file: <repo>/temporal.config.json, or the file named by CENTERS_CONFIG
 *      (a relative path is resolved against the repository root); a file may give only some settings;
 *   3. environment variables, one per setting: CENTERS_<SECTION>_<KEY> in upper snake case
 *      (devServer.port -> CENTERS_DEV_SERVER_PORT), see CONFIG_ENV_VARS; and CENTERS_POLICY, a JSON object
 *      deep-merged over the policy section. Env values are coerced to the setting's type ("7233" -> 7233,
 *      "true"/"false" -> booleans); "null" means null; an empty variable counts as unset. A setting that is an
 *      object (rounds.annualSummary, rounds.midTerm) takes a JSON object, deep-merged over the file's value:
 *      CENTERS_ROUNDS_ANNUAL_SUMMARY='{"month":3,"day":31}'.
 * Relative file paths (devServer.dbFilename, database.filename, notifications.deliveryLog, evidence.dir, the PEM files of
 * temporal.tls) are resolved against the repository root.
 *
 * Secrets (temporal.apiKey, a private key's text, a connection string's password) never appear in a ConfigError:
 * the value is shown as "***".
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z, ZodFirstPartyTypeKind, type ZodIssue, type ZodTypeAny } from 'zod';
import { PolicySchema } from '../machines/policy';
import type { DeadlineKind } from '../machines/vocabulary';

export { SEARCH_ATTRIBUTES, SEARCH_ATTRIBUTE_KEYS } from './search-attributes';
export type { SearchAttributeName, SearchAttributeTypeName } from './search-attributes';

/** This file lives at <repo>/config/index.ts. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_CONFIG_FILE = path.join(repoRoot, 'temporal.config.json');

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):([0-9]{1,5})$/;
const port = () => z.number().int().min(1).max(65535);

/** A PEM file named by its path; the PEM text itself does not belong in the configuration. */
const pemPath = () =>
  z
    .string()
    .min(1)
    .refine((s) => !s.includes('-----BEGIN'), 'expected the path of a PEM file, not the PEM text itself: save it to a file and give its path');

/**
 * temporal.tls as an object: TLS with this server name and root CA, and, with a client certificate and its key,
 * mutual TLS (the server knows this process by its certificate). Paths are resolved against the repository root
 * and the files read and checked when the configuration is loaded (checkTemporalTlsFiles).
 */
const TemporalTlsSchema = z
  .object({
    /** The name the server's certificate must carry (SNI and host name check), when it is not the host of temporal.address. */
    serverName: z.string().min(1).optional(),
    /** PEM file of the CA that issued the server's certificate; unset: the system's CAs. */
    serverRootCACertificate: pemPath().optional(),
    /** PEM files of this process's client certificate and its private key (mTLS): both or neither. */
    clientCertificate: pemPath().optional(),
    clientKey: pemPath().optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (Boolean(t.clientCertificate) !== Boolean(t.clientKey)) {
      const missing = t.clientCertificate ? 'clientKey' : 'clientCertificate';
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [missing],
        message:
          `missing: mTLS needs both temporal.tls.clientCertificate and temporal.tls.clientKey (PEM files of the client's ` +
          `certificate and of its private key), or neither for server-only TLS; set temporal.tls.${missing}`,
      });
    }
  });
export type TemporalTlsSettings = z.output<typeof TemporalTlsSchema>;

const TemporalSchema = z
  .object({
    /** null: start the embedded dev server (devServer section); "host:port": connect to that server, start none. */
    address: z
      .string()
      .regex(HOST_PORT, 'expected "host:port" (e.g. "temporal.example.org:7233"), or null to start the embedded dev server')
      .nullable()
      .default(null),
    namespace: z.string().min(1).default('default'),
    taskQueue: z.string().min(1).default('centers'),
    /**
     * false: plaintext; true: TLS, the server's certificate checked against the system's CAs; an object: TLS with a
     * server name, a root CA and (mTLS) a client certificate and key (TemporalTlsSchema). With an apiKey, false
     * still means TLS: an API key is never sent in plaintext.
     */
    tls: z.union([z.boolean(), TemporalTlsSchema]).default(false),
    /** API key of the namespace (Temporal Cloud API keys, or a server's authorizer); CENTERS_TEMPORAL_API_KEY. Never printed. */
    apiKey: z.string().trim().min(1).nullable().default(null),
    /**
     * The secret the service signs each center workflow's start with, and the workers check it by (docs/security.md
     * "Forged starts"): the same on every API, CLI and worker host; CENTERS_TEMPORAL_START_SECRET. Never printed.
     * null: a secret generated on first use in data/start-secret (one machine: every process of this checkout).
     */
    startSecret: z.string().trim().min(32, 'a start secret has at least 32 characters (e.g. openssl rand -hex 32)').nullable().default(null),
  })
  .strict();

const DevServerSchema = z
  .object({
    ip: z.string().min(1).default('127.0.0.1'),
    port: port().default(7233),
    uiPort: port().default(8233),
    /** null: keep the dev server's state in memory only. */
    dbFilename: z.string().min(1).nullable().default('data/temporal.db'),
    headless: z.boolean().default(false),
    logLevel: z.enum(['debug', 'info', 'warn', 'error', 'never']).default('warn'),
  })
  .strict();

const DatabaseSchema = z
  .object({
    client: z.enum(['sqlite3', 'pg']).default('sqlite3'),
    /** SQLite file (client "sqlite3"); ":memory:" for an in-memory database. */
    filename: z.string().min(1).nullable().default('data/centers.sqlite'),
    /** PostgreSQL connection string (client "pg"), e.g. postgres://user:password@host:5432/centers. */
    connection: z.string().min(1).nullable().default(null),
  })
  .strict();

const WorkerSchema = z
  .object({
    maxConcurrentActivityTaskExecutions: z.number().int().min(1).default(100),
    maxConcurrentWorkflowTaskExecutions: z.number().int().min(2).default(40),
    /**
     * "host:port" where the worker serves GET /metrics in Prometheus format: its own series (centers_persist_*,
     * centers_notification_*) and, with sdkMetricsAddress, the Temporal SDK's (temporal_*) in the same answer.
     * null: no endpoint. Each worker on one machine needs its own port (docs/operations.md "Metrics").
     */
    metricsAddress: z.string().regex(HOST_PORT, 'expected "host:port" (e.g. "127.0.0.1:9464"), or null for no metrics endpoint').nullable().default(null),
    /** "host:port" of the Temporal SDK's own Prometheus exporter (temporal_* series, GET /metrics); null: off. */
    sdkMetricsAddress: z.string().regex(HOST_PORT, 'expected "host:port" (e.g. "127.0.0.1:9465"), or null for no SDK metrics').nullable().default(null),
  })
  .strict();

/** The deadline kinds a calendar round may fire; the call window belongs to the call (Art. 7), not to a round. */
export const ROUND_DEADLINE_KINDS = ['yearEnd', 'summaryReminder', 'summaryDue', 'rectification'] as const satisfies readonly DeadlineKind[];

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * One calendar round (SPEC §4 "Schedulers"): a Temporal Schedule that fires, once a year at this local time, the
 * due deadlines of the listed kinds of every active center. The centers' own timers fire the same deadlines on
 * time; a round is the commission-wide sweep, and a deadline fired by both has one effect (SPEC §3 "Time").
 */
const roundSchema = (d: { month: number; day: number; kinds: (typeof ROUND_DEADLINE_KINDS)[number][] }) =>
  z
    .object({
      month: z.number().int().min(1).max(12).default(d.month),
      day: z.number().int().min(1).max(31).default(d.day),
      hour: z.number().int().min(0).max(23).default(9),
      minute: z.number().int().min(0).max(59).default(0),
      /** IANA time zone of the calendar (policy default: Beijing time). */
      timezone: z.string().min(1).refine(isTimeZone, 'expected an IANA time zone such as "Asia/Shanghai" or "UTC"').default('Asia/Shanghai'),
      /** The deadline kinds the round fires. */
      kinds: z
        .array(z.enum(ROUND_DEADLINE_KINDS))
        .min(1)
        .refine((k) => new Set(k).size === k.length, 'each deadline kind at most once')
        .default(d.kinds),
    })
    .strict()
    // 29 February would fire one year in four: a yearly round needs a day every year has.
    .refine((r) => r.day <= DAYS_IN_MONTH[r.month - 1], { message: 'that day does not occur in that month every year', path: ['day'] });

const RoundsSchema = z
  .object({
    /** Art. 18 annual summary round. Policy default: 15 April, 09:00 Beijing time. */
    annualSummary: roundSchema({ month: 4, day: 15, kinds: ['yearEnd', 'summaryReminder', 'summaryDue'] }).default({}),
    /** Art. 18 mid-term round: the year ends that open mid-term evaluations. Policy default: 15 May, 09:00 Beijing time. */
    midTerm: roundSchema({ month: 5, day: 15, kinds: ['yearEnd'] }).default({}),
  })
  .strict();

const NotificationsSchema = z
  .object({
    /**
     * The outbox's delivery channel by default: one JSON line per delivered notice is appended to this file. null:
     * not this channel (with neither webhook nor smtp set, the worker only logs each notice).
     */
    deliveryLog: z.string().min(1).nullable().default('data/notifications.jsonl'),
    /**
     * A signed webhook (activities/webhook.ts): each notice is POSTed to `url`, signed with HMAC-SHA256 under
     * `secret` (CENTERS_NOTIFICATIONS_WEBHOOK='{"secret":"…"}'; never printed). null: no webhook. Only one of
     * deliveryLog, webhook and smtp may be set (a ConfigError otherwise).
     */
    webhook: z
      .object({
        url: z.string().url(),
        secret: z.string().min(16, 'a webhook secret has at least 16 characters (e.g. openssl rand -hex 32)'),
        timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
      })
      .strict()
      .nullable()
      .default(null),
    /**
     * Mail (activities/smtp.ts): each notice is mailed to the API's users of its recipient role with an email (for a
     * university, the users of the center's university). `password` (CENTERS_NOTIFICATIONS_SMTP='{"password":"…"}')
     * is never printed. null: no mail.
     */
    smtp: z
      .object({
        host: z.string().min(1),
        /** 587 (submission, STARTTLS) unless `secure`: then usually 465. */
        port: port().default(587),
        /** true: TLS from the first byte (port 465); false: plaintext upgraded by STARTTLS. */
        secure: z.boolean().default(false),
        /** With secure false: refuse to log in or send unless the server offers STARTTLS. false only for a relay on this host or a test. */
        requireTls: z.boolean().default(true),
        user: z.string().min(1).nullable().default(null),
        password: z.string().min(1).nullable().default(null),
        /** The From address, e.g. "Centers <centers@kw.beijing.gov.cn>". */
        from: z.string().min(3).refine((s) => /@/.test(s), 'expected an email address, e.g. "Centers <centers@kw.beijing.gov.cn>"'),
        timeoutMs: z.number().int().min(100).max(120_000).default(30_000),
      })
      .strict()
      .superRefine((m, ctx) => {
        if ((m.user === null) !== (m.password === null)) {
          const missing = m.user === null ? 'user' : 'password';
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: [missing], message: `SMTP login needs both notifications.smtp.user and notifications.smtp.password, or neither (no AUTH): set notifications.smtp.${missing}` });
        }
      })
      .nullable()
      .default(null),
  })
  .strict();

/**
 * The HTTP API (api/) and how people reach the service. `npm start` runs it beside the worker; the CLI sends its
 * commands through it with the caller's token (CENTERS_TOKEN or `centers login`), unless `url` is "off".
 */
const OidcSchema = z
  .object({
    /** The identity provider's issuer URL; its discovery document names the JWKS that verifies bearer tokens. */
    issuer: z.string().url(),
    /** The audience the tokens must carry (the API's identifier at the provider). */
    audience: z.string().min(1),
    /** The claim holding the subject's role, and the claim holding their organisation. */
    roleClaim: z.string().min(1).default('centers_role'),
    orgClaim: z.string().min(1).default('centers_org'),
    /** Claim value → role, e.g. {"tt-commission": "commission"}; a value not listed is refused. Default: the role names. */
    roles: z.record(z.string(), z.enum(['commission', 'university', 'expert', 'scheduler', 'auditor'])).default({}),
  })
  .strict();

const ApiSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: port().default(8080),
    /** Where clients (the CLI) reach the API; null: http://<host>:<port>; "off": the CLI talks to Temporal directly (operators only). */
    url: z.string().min(1).nullable().default(null),
    /** Lifetime of an API token, in days, unless `users add --expires-days` says otherwise. */
    tokenDays: z.number().int().min(1).max(3650).default(90),
    /** Lifetime of a login session (the console's cookie), in hours. */
    sessionHours: z.number().int().min(1).max(720).default(12),
    /** Requests per minute per identity (commands and reads), and login attempts per minute per address. */
    rateLimitPerMinute: z.number().int().min(1).default(600),
    loginAttemptsPerMinute: z.number().int().min(1).default(10),
    /** Set behind HTTPS: the session cookie is then sent only over HTTPS. */
    secureCookies: z.boolean().default(false),
    oidc: OidcSchema.nullable().default(null),
  })
  .strict();

/**
 * Evidence files (issue 14 item 3, evidence/store.ts): where the content store keeps them and what it accepts.
 * Operational limits, not the regulation's numbers, so they are configuration and not policy: they bound a disk and
 * a request, and a center's rules do not depend on them (a file already stored stays readable if they change).
 */
export const EVIDENCE_MEDIA_TYPES = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
] as const;
const EvidenceSchema = z
  .object({
    /** The content store's directory: <dir>/<first two hex digits>/<sha256>. Back it up with the database. */
    dir: z.string().min(1).default('data/evidence'),
    /** The largest file accepted, in bytes (also the API upload's body limit). Default 20 MiB. */
    maxBytes: z.number().int().min(1).max(1024 * 1024 * 1024).default(20 * 1024 * 1024),
    /** The media types accepted, each recognised from the file's first bytes (PDF, PNG, JPEG, Office Open XML). */
    mediaTypes: z.array(z.enum(EVIDENCE_MEDIA_TYPES)).min(1).default([...EVIDENCE_MEDIA_TYPES]),
  })
  .strict();

const SECTIONS = {
  temporal: TemporalSchema,
  devServer: DevServerSchema,
  database: DatabaseSchema,
  worker: WorkerSchema,
  rounds: RoundsSchema,
  notifications: NotificationsSchema,
  api: ApiSchema,
  evidence: EvidenceSchema,
} as const;
type SectionName = keyof typeof SECTIONS;

export const ConfigSchema = z
  .object({
    temporal: TemporalSchema.default({}),
    devServer: DevServerSchema.default({}),
    database: DatabaseSchema.default({}),
    worker: WorkerSchema.default({}),
    rounds: RoundsSchema.default({}),
    notifications: NotificationsSchema.default({}),
    api: ApiSchema.default({}),
    evidence: EvidenceSchema.default({}),
    policy: PolicySchema.default({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.database.client === 'pg' && !c.database.connection) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['database', 'connection'],
        message:
          'required when database.client is "pg": expected a PostgreSQL connection string, e.g. postgres://user:password@host:5432/centers',
      });
    }
    if (c.database.client === 'sqlite3' && !c.database.filename) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['database', 'filename'],
        message: 'required when database.client is "sqlite3": expected a file path (or ":memory:")',
      });
    }
    if (c.temporal.address === null && c.temporal.tls !== false) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['temporal', 'tls'],
        message:
          'the embedded dev server (temporal.address null) speaks plaintext only: set temporal.address to a server ' +
          'that offers TLS, or set temporal.tls to false',
      });
    }
    if (c.temporal.address === null && c.temporal.apiKey !== null) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['temporal', 'apiKey'],
        message:
          'the embedded dev server (temporal.address null) takes no API key: set temporal.address to the server ' +
          'the key is for, or unset temporal.apiKey (CENTERS_TEMPORAL_API_KEY)',
      });
    }
    // One channel at a time: the outbox keeps one delivery state per notice, so a notice "delivered" through one
    // channel would never reach another. Rather than one silently winning, name the choice to make.
    const n = c.notifications;
    const chosen = (['webhook', 'smtp', 'deliveryLog'] as const).filter((k) => n[k] !== null);
    if (chosen.length > 1) {
      const env = { webhook: 'CENTERS_NOTIFICATIONS_WEBHOOK', smtp: 'CENTERS_NOTIFICATIONS_SMTP', deliveryLog: 'CENTERS_NOTIFICATIONS_DELIVERY_LOG' };
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['notifications', chosen[chosen.length - 1]],
        message:
          `the outbox delivers through one channel, and ${chosen.map((k) => `notifications.${k}`).join(' and ')} are all set: ` +
          `keep the one you mean and set the others to null (${chosen.map((k) => `${env[k]}=null`).join(', ')}; ` +
          `the delivery log is on by default, so a webhook or SMTP needs CENTERS_NOTIFICATIONS_DELIVERY_LOG=null)`,
      });
    }
    if (!c.devServer.headless && c.devServer.uiPort === c.devServer.port) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['devServer', 'uiPort'],
        message: 'must differ from devServer.port (or set devServer.headless to true)',
      });
    }
  });

export type AppConfig = z.output<typeof ConfigSchema>;
export type RoundsConfig = AppConfig['rounds'];
export type RoundName = keyof RoundsConfig;
export type AppConfigInput = z.input<typeof ConfigSchema>;

const POLICY_ENV_VAR = 'CENTERS_POLICY';
const CONFIG_FILE_ENV_VAR = 'CENTERS_CONFIG';

function upperSnake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** Setting path ("devServer.port") -> environment variable ("CENTERS_DEV_SERVER_PORT"); "policy" -> CENTERS_POLICY. */
export const CONFIG_ENV_VARS: Readonly<Record<string, string>> = Object.freeze({
  ...Object.fromEntries(
    (Object.keys(SECTIONS) as SectionName[]).flatMap((section) =>
      Object.keys(SECTIONS[section].shape).map((key) => [
        `${section}.${key}`,
        `CENTERS_${upperSnake(section)}_${upperSnake(key)}`,
      ]),
    ),
  ),
  policy: POLICY_ENV_VAR,
});

export interface ConfigIssue {
  /** Setting path, e.g. "devServer.port" or "policy.dimensionWeights". */
  path: string;
  /** The environment variable that sets it, if any. */
  envVar: string | null;
  /** The value given (undefined when missing). */
  value: unknown;
  /** What is allowed / what is wrong. */
  message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: ConfigIssue[];
  constructor(
    issues: ConfigIssue[],
    /** The configuration file read (null: none, built-in defaults). */
    readonly configFile: string | null,
    footer = true,
  ) {
    issues = issues.map((i) => ({ ...i, value: redact(i.value, i.path) }));
    super(
      issues.map((i) => `Invalid configuration: ${formatIssue(i)}`).join('\n') +
        (footer ? `\n(settings come from ${configFile ?? 'built-in defaults'} and CENTERS_* environment variables)` : ''),
    );
    this.issues = issues;
  }
}

function formatIssue(i: ConfigIssue): string {
  const name = i.path || 'configuration file';
  const where = i.envVar ? `${name} (${i.envVar})` : name;
  return `${where} = ${showValue(i.value)}: ${i.message}`;
}

/** Setting names whose values are secrets wherever they occur. */
const SECRET_KEYS = new Set(['apiKey', 'secret', 'password', 'startSecret']);
const HIDDEN = '***';

/**
 * The value with its secrets hidden: an apiKey (at the setting's path or as a key inside an object given), any text
 * holding a private key, and the password of a connection string.
 */
export function redact(value: unknown, settingPath = ''): unknown {
  const last = settingPath.split('.').pop() ?? '';
  if (SECRET_KEYS.has(last) && value !== undefined && value !== null) return HIDDEN;
  if (typeof value === 'string') {
    if (/PRIVATE KEY/.test(value)) return HIDDEN;
    return value.replace(/\/\/([^:/@\s]+):([^@\s]*)@/g, `//$1:${HIDDEN}@`);
  }
  if (Array.isArray(value)) return value.map((v) => redact(v));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  }
  return value;
}

function showValue(v: unknown): string {
  if (v === undefined) return '(not set)';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/** The configuration file loadConfig reads for these options. */
export function configFilePath(opts: { env?: NodeJS.ProcessEnv; file?: string } = {}): string {
  const env = opts.env ?? process.env;
  const given = opts.file ?? nonEmpty(env[CONFIG_FILE_ENV_VAR]);
  return given ? path.resolve(repoRoot, given) : DEFAULT_CONFIG_FILE;
}

/**
 * Loads and validates the configuration (file, then environment). Pure apart from reading the file.
 * Throws ConfigError naming each bad setting, its environment variable, the value given and what is allowed.
 */
export function loadConfig(opts: { env?: NodeJS.ProcessEnv; file?: string } = {}): AppConfig {
  const env = opts.env ?? process.env;
  const explicit = opts.file !== undefined || nonEmpty(env[CONFIG_FILE_ENV_VAR]) !== undefined;
  const file = configFilePath(opts);
  const fileLabel = opts.file !== undefined ? 'loadConfig({ file })' : CONFIG_FILE_ENV_VAR;

  // 1. the file
  let raw: Record<string, unknown> = {};
  let usedFile: string | null = file;
  if (fs.existsSync(file)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ConfigError(
        [{ path: '', envVar: explicit ? fileLabel : null, value: file, message: `cannot be read: ${(e as Error).message}` }],
        file,
        false,
      );
    }
    if (!isPlainObject(parsed)) {
      throw new ConfigError(
        [{ path: '', envVar: explicit ? fileLabel : null, value: parsed, message: `${file} must hold a JSON object` }],
        file,
        false,
      );
    }
    raw = parsed;
  } else if (explicit) {
    throw new ConfigError(
      [{ path: '', envVar: fileLabel, value: file, message: 'not found' }],
      file,
      false,
    );
  } else {
    usedFile = null; // no temporal.config.json: built-in defaults
  }

  // 2. the environment
  const preIssues: ConfigIssue[] = [];
  const fromEnv = new Set<string>();
  for (const [settingPath, envVar] of Object.entries(CONFIG_ENV_VARS)) {
    const value = nonEmpty(env[envVar]);
    if (value === undefined || settingPath === 'policy') continue;
    const [section, key] = settingPath.split('.') as [SectionName, string];
    const schema = SECTIONS[section].shape[key as keyof (typeof SECTIONS)[SectionName]['shape']] as ZodTypeAny;
    if (raw[section] === undefined) raw[section] = {};
    const target = raw[section];
    if (!isPlainObject(target)) continue; // the file's section is not an object: the schema reports it
    const coerced = coerceEnvValue(value, schema);
    target[key] = isPlainObject(coerced) ? deepMerge(target[key] ?? {}, coerced) : coerced;
    fromEnv.add(settingPath);
  }
  const policyEnv = nonEmpty(env[POLICY_ENV_VAR]);
  if (policyEnv !== undefined) {
    let overrides: unknown;
    try {
      overrides = JSON.parse(policyEnv);
    } catch (e) {
      preIssues.push({
        path: 'policy',
        envVar: POLICY_ENV_VAR,
        value: policyEnv,
        message: `expected a JSON object of policy settings (invalid JSON: ${(e as Error).message})`,
      });
    }
    if (overrides !== undefined && !isPlainObject(overrides)) {
      preIssues.push({ path: 'policy', envVar: POLICY_ENV_VAR, value: overrides, message: 'expected a JSON object of policy settings' });
    } else if (overrides !== undefined) {
      raw.policy = deepMerge(raw.policy ?? {}, overrides);
    }
  }
  if (preIssues.length) throw new ConfigError(preIssues, usedFile);

  // 3. validate
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.flatMap((issue) => toConfigIssues(issue, raw)),
      usedFile,
    );
  }

  // 4. resolve relative paths against the repository root
  const cfg = result.data;
  cfg.devServer.dbFilename = resolvePath(cfg.devServer.dbFilename);
  if (cfg.database.client === 'sqlite3') cfg.database.filename = resolvePath(cfg.database.filename);
  cfg.notifications.deliveryLog = resolvePath(cfg.notifications.deliveryLog);
  cfg.evidence.dir = resolvePath(cfg.evidence.dir)!;
  if (typeof cfg.temporal.tls === 'object') {
    const tls = cfg.temporal.tls;
    for (const key of TLS_FILE_SETTINGS) if (tls[key] !== undefined) tls[key] = path.resolve(repoRoot, tls[key]);
    // 5. the TLS files exist, hold what they should, and the client's key belongs to its certificate
    const { issues } = readTemporalTlsFiles(tls);
    if (issues.length) throw new ConfigError(issues, usedFile);
  }
  return cfg;
}

const TLS_FILE_SETTINGS = ['serverRootCACertificate', 'clientCertificate', 'clientKey'] as const;

/** The contents of temporal.tls's PEM files, as the SDK's TLSConfig takes them. */
export interface TemporalTlsFiles {
  serverRootCACertificate?: Buffer;
  clientCertificate?: Buffer;
  clientKey?: Buffer;
}

/**
 * Reads temporal.tls's files (absolute paths, as loadConfig leaves them) and checks them: each exists and is
 * readable, the certificates are PEM certificates, the key a PEM private key without a passphrase, and the key
 * belongs to the client certificate. Issues name the setting and what to do; they never quote a file's content.
 */
export function readTemporalTlsFiles(tls: TemporalTlsSettings): { files: TemporalTlsFiles; issues: ConfigIssue[] } {
  const envVar = CONFIG_ENV_VARS['temporal.tls'] ?? null;
  const files: TemporalTlsFiles = {};
  const issues: ConfigIssue[] = [];
  const issue = (key: string, message: string) =>
    issues.push({ path: `temporal.tls.${key}`, envVar, value: tls[key as keyof TemporalTlsSettings], message });
  const what = {
    serverRootCACertificate: 'the PEM certificate of the CA that issued the Temporal server\'s certificate',
    clientCertificate: "this client's PEM certificate",
    clientKey: "this client's PEM private key",
  } as const;

  for (const key of TLS_FILE_SETTINGS) {
    const file = tls[key];
    if (file === undefined) continue;
    let content: Buffer;
    try {
      content = fs.readFileSync(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        issue(key, `file not found: expected ${what[key]} at ${file} (a relative path is resolved against ${repoRoot})`);
      } else if (code === 'EISDIR') {
        issue(key, `${file} is a directory: expected the path of ${what[key]}`);
      } else {
        issue(key, `${file} cannot be read (${code ?? 'error'}): let the user running the service read it`);
      }
      continue;
    }
    const text = content.toString('utf8');
    if (key === 'clientKey') {
      if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) {
        issue(key, `${file} holds a passphrase-protected key, which the connection cannot use: write it without one (openssl pkey -in key.pem -out key-plain.pem) and keep that file readable by the service only`);
        continue;
      }
      if (!/-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/.test(text)) {
        issue(
          key,
          text.includes('-----BEGIN CERTIFICATE-----')
            ? `${file} holds a certificate, not a private key: did you swap temporal.tls.clientCertificate and temporal.tls.clientKey?`
            : `${file} is not a PEM private key: expected a file beginning "-----BEGIN PRIVATE KEY-----" (or RSA/EC PRIVATE KEY)`,
        );
        continue;
      }
      try {
        crypto.createPrivateKey(content);
      } catch {
        issue(key, `${file} holds a private key that cannot be parsed: expected an unencrypted PKCS#8, PKCS#1 (RSA) or SEC1 (EC) key in PEM`);
        continue;
      }
    } else {
      if (!text.includes('-----BEGIN CERTIFICATE-----')) {
        issue(
          key,
          /PRIVATE KEY-----/.test(text)
            ? `${file} holds a private key, not a certificate: expected ${what[key]}` +
                (key === 'clientCertificate' ? ' (did you swap temporal.tls.clientCertificate and temporal.tls.clientKey?)' : '')
            : `${file} is not a PEM certificate: expected ${what[key]}, a file beginning "-----BEGIN CERTIFICATE-----" (a DER file converts with openssl x509 -inform der -in cert.der -out cert.pem)`,
        );
        continue;
      }
      try {
        new crypto.X509Certificate(content);
      } catch {
        issue(key, `${file} holds a certificate that cannot be parsed: expected ${what[key]}`);
        continue;
      }
    }
    files[key] = content;
  }

  if (files.clientCertificate && files.clientKey) {
    const cert = new crypto.X509Certificate(files.clientCertificate);
    if (!cert.checkPrivateKey(crypto.createPrivateKey(files.clientKey))) {
      issue(
        'clientKey',
        `${tls.clientKey} is not the private key of the certificate in temporal.tls.clientCertificate (${tls.clientCertificate}): give the key the certificate was issued for`,
      );
    }
  }
  return { files, issues };
}

function resolvePath(p: string | null): string | null {
  if (p === null || p === ':memory:' || p.startsWith('file:')) return p;
  return path.resolve(repoRoot, p);
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(base: unknown, over: Record<string, unknown>): unknown {
  if (!isPlainObject(base)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k], v) : v;
  }
  return out;
}

/** Peels default / optional / nullable / effects wrappers off a schema. */
function unwrap(schema: ZodTypeAny): { base: ZodTypeAny; nullable: boolean } {
  let s = schema;
  let nullable = false;
  for (;;) {
    const def = s._def as { typeName: ZodFirstPartyTypeKind; innerType?: ZodTypeAny; schema?: ZodTypeAny };
    if (def.typeName === ZodFirstPartyTypeKind.ZodNullable) nullable = true;
    if (
      def.typeName === ZodFirstPartyTypeKind.ZodDefault ||
      def.typeName === ZodFirstPartyTypeKind.ZodOptional ||
      def.typeName === ZodFirstPartyTypeKind.ZodNullable
    ) {
      s = def.innerType!;
    } else if (def.typeName === ZodFirstPartyTypeKind.ZodEffects) {
      s = def.schema!;
    } else {
      return { base: s, nullable };
    }
  }
}

/** Converts an environment string to the type the setting expects; leaves it a string when it does not fit. */
function coerceEnvValue(value: string, schema: ZodTypeAny): unknown {
  const t = value.trim();
  if (t === 'null') return null;
  const { base } = unwrap(schema);
  switch ((base._def as { typeName: ZodFirstPartyTypeKind }).typeName) {
    case ZodFirstPartyTypeKind.ZodNumber:
      return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) ? Number(t) : value;
    case ZodFirstPartyTypeKind.ZodBoolean:
      if (/^(true|1|yes)$/i.test(t)) return true;
      if (/^(false|0|no)$/i.test(t)) return false;
      return value;
    case ZodFirstPartyTypeKind.ZodObject:
    case ZodFirstPartyTypeKind.ZodArray:
      try {
        return JSON.parse(t) as unknown;
      } catch {
        return value; // the schema reports it, with the value given
      }
    case ZodFirstPartyTypeKind.ZodUnion: {
      // e.g. temporal.tls: true/false, or a JSON object. The first option the text fits wins.
      for (const option of (base as z.ZodUnion<[ZodTypeAny, ...ZodTypeAny[]]>).options) {
        const coerced = coerceEnvValue(value, option);
        if (coerced !== value && (!isPlainObject(coerced) || optionKind(option) === ZodFirstPartyTypeKind.ZodObject)) return coerced;
      }
      return value;
    }
    default:
      return value;
  }
}

function optionKind(schema: ZodTypeAny): ZodFirstPartyTypeKind {
  return (unwrap(schema).base._def as { typeName: ZodFirstPartyTypeKind }).typeName;
}

/** The schema of the setting at a path, if it can be found. */
function schemaAt(p: (string | number)[]): ZodTypeAny | undefined {
  let s: ZodTypeAny = ConfigSchema;
  for (const key of p) {
    let { base } = unwrap(s);
    if ((base._def as { typeName: ZodFirstPartyTypeKind }).typeName === ZodFirstPartyTypeKind.ZodUnion) {
      // the union's object option that has this key (temporal.tls.clientKey)
      const option = (base as z.ZodUnion<[ZodTypeAny, ...ZodTypeAny[]]>).options
        .map((o) => unwrap(o).base)
        .find((o) => optionKind(o) === ZodFirstPartyTypeKind.ZodObject && key in (o as z.AnyZodObject).shape);
      if (!option) return undefined;
      base = option;
    }
    if ((base._def as { typeName: ZodFirstPartyTypeKind }).typeName !== ZodFirstPartyTypeKind.ZodObject) return undefined;
    const next = (base as z.AnyZodObject).shape[key];
    if (!next) return undefined;
    s = next;
  }
  return s;
}

function valueAt(raw: unknown, p: (string | number)[]): unknown {
  let v = raw;
  for (const key of p) {
    if (!isPlainObject(v) && !Array.isArray(v)) return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

/** "a number (whole, 1 to 65535)", "one of "sqlite3", "pg"", "a string or null"... */
function describeAllowed(schema: ZodTypeAny): string | undefined {
  const { base, nullable } = unwrap(schema);
  const def = base._def as {
    typeName: ZodFirstPartyTypeKind;
    checks?: { kind: string; value?: number; inclusive?: boolean }[];
    values?: readonly string[];
  };
  let text: string;
  switch (def.typeName) {
    case ZodFirstPartyTypeKind.ZodNumber: {
      const checks = def.checks ?? [];
      const int = checks.some((c) => c.kind === 'int');
      const min = checks.find((c) => c.kind === 'min');
      const max = checks.find((c) => c.kind === 'max');
      const parts: string[] = [];
      if (int) parts.push('whole');
      if (min && max && min.inclusive !== false && max.inclusive !== false) parts.push(`${min.value} to ${max.value}`);
      else {
        if (min) parts.push(`${min.inclusive === false ? '>' : '>='} ${min.value}`);
        if (max) parts.push(`${max.inclusive === false ? '<' : '<='} ${max.value}`);
      }
      text = parts.length ? `a number (${parts.join(', ')})` : 'a number';
      break;
    }
    case ZodFirstPartyTypeKind.ZodString:
      text = (def.checks ?? []).some((c) => c.kind === 'min') ? 'a non-empty string' : 'a string';
      break;
    case ZodFirstPartyTypeKind.ZodBoolean:
      text = 'true or false';
      break;
    case ZodFirstPartyTypeKind.ZodEnum:
      text = `one of ${(def.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case ZodFirstPartyTypeKind.ZodObject:
      text = 'an object';
      break;
    case ZodFirstPartyTypeKind.ZodUnion: {
      const parts = (base as z.ZodUnion<[ZodTypeAny, ...ZodTypeAny[]]>).options.map((o) => {
        const ob = unwrap(o).base;
        return optionKind(ob) === ZodFirstPartyTypeKind.ZodObject
          ? `an object with ${Object.keys((ob as z.AnyZodObject).shape).join(', ')}`
          : describeAllowed(o);
      });
      if (parts.some((x) => x === undefined)) return undefined;
      text = parts.join(', or ');
      break;
    }
    default:
      return undefined;
  }
  return nullable ? `${text} or null` : text;
}

function toConfigIssues(issue: ZodIssue, raw: unknown): ConfigIssue[] {
  if (issue.code === 'invalid_union') {
    // A value of the kind one option takes (an object for temporal.tls): that option's own issues say more.
    const fitting = issue.unionErrors.filter(
      (e) => !e.issues.every((i) => i.code === 'invalid_type' && i.path.length === issue.path.length),
    );
    if (fitting.length === 1) return fitting[0].issues.flatMap((i) => toConfigIssues(i, raw));
  }
  return [toConfigIssue(issue, raw)];
}

function toConfigIssue(issue: ZodIssue, raw: unknown): ConfigIssue {
  const p = issue.path;
  const settingPath = p.join('.');
  const envVar =
    p[0] === 'policy' ? POLICY_ENV_VAR : p.length >= 2 ? (CONFIG_ENV_VARS[p.slice(0, 2).join('.')] ?? null) : null;
  const value = valueAt(raw, p);
  const schema = schemaAt(p);
  let message: string;
  switch (issue.code) {
    case 'unrecognized_keys': {
      let { base } = schema ? unwrap(schema) : { base: undefined };
      if (base && optionKind(base) === ZodFirstPartyTypeKind.ZodUnion) {
        // the union's object option (temporal.tls as an object)
        base = (base as z.ZodUnion<[ZodTypeAny, ...ZodTypeAny[]]>).options
          .map((o) => unwrap(o).base)
          .find((o) => optionKind(o) === ZodFirstPartyTypeKind.ZodObject);
      }
      const allowed =
        base && (base._def as { typeName: string }).typeName === ZodFirstPartyTypeKind.ZodObject
          ? Object.keys((base as z.AnyZodObject).shape)
          : [];
      message =
        `unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` +
        (allowed.length ? `; allowed: ${allowed.join(', ')}` : '');
      break;
    }
    case 'invalid_union':
    case 'invalid_type':
    case 'too_small':
    case 'too_big':
    case 'invalid_enum_value':
    case 'not_multiple_of': {
      const allowed = schema ? describeAllowed(schema) : undefined;
      message = allowed ? `expected ${allowed}` : issue.message;
      if (issue.code === 'invalid_type' && issue.received === 'undefined') message = `missing: ${message}`;
      break;
    }
    default:
      message = issue.message;
  }
  return { path: settingPath, envVar, value, message };
}

/**
 * For the service's entry points (`npm start`, its worker process, `npm run api`): the configuration, or — when it
 * does not validate — its message printed on stderr and null (the caller exits with code 2).
 */
export function loadConfigForProcess(): AppConfig | null {
  try {
    return loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(e.message);
    return null;
  }
}
