/**
 * Every CLI command: its words, arguments, options, help text and examples (SPEC §4 "Operators' CLI"). The
 * handlers are loaded only when a command runs, so `--help` and usage errors answer at once.
 */
import { AUDIT_COMMANDS } from './audit/commands';
import { BUILD_CYCLE_COMMANDS } from './commands-build';
import type { Services } from './connect';
import { callId, center, commission, file, reason, source } from './options';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Shown in help: `--file FILE`. */
  value?: string;
  description: string;
  required?: boolean;
}

/** What a handler gets: parsed options and positionals, the connections, the environment, a stderr writer. */
export interface CommandContext {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  services: Services;
  env: NodeJS.ProcessEnv;
  /** Progress and warnings: stderr, so `--json` stdout stays pure JSON. */
  warn(line: string): void;
}

/** What a handler returns: the data (printed as JSON with --json) and its text for people. */
export interface Output {
  data: unknown;
  text: string;
  /** A non-zero exit code for a result that is printed but fails (an audit that finds differences). */
  exitCode?: number;
}

export type Handler = (ctx: CommandContext) => Promise<Output>;

export interface CommandSpec {
  /** The words after `centers`, e.g. "call open". */
  name: string;
  group:
    | 'Calls for applications (Art. 7, 9)'
    | 'Applications (Art. 8, 9, 20)'
    | 'Funding (Art. 13–16)'
    | 'Annual summaries (Art. 18)'
    | 'Evaluations and integrity (Art. 12, 17–18)'
    | 'Rectification and notices (Art. 19)'
    | 'Director and staff (Art. 6, 8(7))'
    | 'Calendar rounds and notifications (Art. 18)'
    | 'Reading and audit';
  summary: string;
  /** Positional arguments, in order (required unless `optional`; only trailing ones may be optional). */
  args: { name: string; description: string; optional?: boolean }[];
  options: Record<string, OptionSpec>;
  /** The command sends a command on behalf of an actor: adds --as and --command-id. */
  sends?: { defaultActor: 'commission' | null; actorExample: string };
  details?: string;
  examples: string[];
  load(): Promise<Handler>;
}

/** Art. 7–9, 20: the call and the application stage. */
const APPLICATION_STAGE: CommandSpec[] = [
  {
    name: 'call open',
    group: 'Calls for applications (Art. 7, 9)',
    summary: 'Open a call for applications (window and quota) from a JSON file',
    args: [],
    options: { file: file('the call: { callId, title, opensAt, closesAt, quota }') },
    sends: commission,
    examples: ['centers call open --file examples/call.json'],
    load: async () => (await import('./handlers/calls')).openCallCommand,
  },
  {
    name: 'call show',
    group: 'Calls for applications (Art. 7, 9)',
    summary: "Show a call: window, quota, approvals, applicants, and its events",
    args: [callId],
    options: {},
    examples: ['centers call show call-2026'],
    load: async () => (await import('./handlers/calls')).showCallCommand,
  },
  {
    name: 'call list',
    group: 'Calls for applications (Art. 7, 9)',
    summary: 'List calls',
    args: [],
    options: { source },
    examples: ['centers call list', 'centers call list --source temporal --json'],
    load: async () => (await import('./handlers/calls')).listCallsCommand,
  },
  {
    name: 'call raise-quota',
    group: 'Calls for applications (Art. 7, 9)',
    summary: "Raise a call's quota, with a reason (Art. 9)",
    args: [callId],
    options: { quota: { type: 'string', value: 'N', description: 'the new quota (above the current one)', required: true }, reason: reason(true) },
    sends: commission,
    examples: ['centers call raise-quota call-2026 --quota 3 --reason "A third application of equal merit"'],
    load: async () => (await import('./handlers/calls')).raiseQuotaCommand,
  },
  {
    name: 'call close',
    group: 'Calls for applications (Art. 7, 9)',
    summary: "Close a call's application window early, with a reason",
    args: [callId],
    options: { reason: reason(true) },
    sends: commission,
    examples: ['centers call close call-2026 --reason "Quota filled by eligible applications"'],
    load: async () => (await import('./handlers/calls')).closeCallCommand,
  },
  {
    name: 'apply',
    group: 'Applications (Art. 8, 9, 20)',
    summary: "Submit a university's application to an open call (checked against Art. 8's seven conditions)",
    args: [],
    options: { call: { type: 'string', value: 'CALL', description: 'the call id', required: true }, file: file('the application (see examples/application.json)') },
    sends: { defaultActor: null, actorExample: 'university:<id>@<universityId>' },
    details: 'Starts the university\'s center workflow; the result says whether the application is eligible and, if not, why.',
    examples: ['centers apply --call call-2026 --file examples/application.json --as university:bjut-office@bjut'],
    load: async () => (await import('./handlers/centers')).applyCommand,
  },
  {
    name: 'amend',
    group: 'Applications (Art. 8, 9, 20)',
    summary: 'Amend an application (while the call is open, before review starts)',
    args: [center],
    options: { file: file('the amended application') },
    sends: { defaultActor: null, actorExample: 'university:<id>@<universityId>' },
    examples: ['centers amend bjut --file examples/application.json --as university:bjut-office@bjut'],
    load: async () => (await import('./handlers/centers')).amendCommand,
  },
  {
    name: 'assign-experts',
    group: 'Applications (Art. 8, 9, 20)',
    summary: "Assign the review panel (no expert from the applicant's own university)",
    args: [center],
    options: { file: file('the experts: [{ id, name, orgId }] or { "experts": [...] }') },
    sends: commission,
    examples: ['centers assign-experts bjut.call-2026 --file examples/experts.json'],
    load: async () => (await import('./handlers/centers')).assignExpertsCommand,
  },
  {
    name: 'review',
    group: 'Applications (Art. 8, 9, 20)',
    summary: "Submit an assigned expert's review (once per expert)",
    args: [center],
    options: { file: file('the review: { score, recommendation: "approve"|"reject", opinion }') },
    sends: { defaultActor: null, actorExample: 'expert:<id>@<orgId>' },
    examples: ['centers review bjut --file examples/review.json --as expert:zhang-wei@pku'],
    load: async () => (await import('./handlers/centers')).reviewCommand,
  },
  {
    name: 'approve',
    group: 'Applications (Art. 8, 9, 20)',
    summary: "Approve an application within the call's quota; the center is established and named (Art. 20)",
    args: [center],
    options: { reason: reason(false) },
    sends: commission,
    examples: ['centers approve bjut --reason "Highest panel score"'],
    load: async () => (await import('./handlers/centers')).approveCommand,
  },
  {
    name: 'reject',
    group: 'Applications (Art. 8, 9, 20)',
    summary: 'Reject an application, with a reason',
    args: [center],
    options: { reason: reason(true) },
    sends: commission,
    examples: ['centers reject bjut --reason "The transfer record does not stand out"'],
    load: async () => (await import('./handlers/centers')).rejectCommand,
  },
];

const READING: CommandSpec[] = [
  {
    name: 'show',
    group: 'Reading and audit',
    summary: "A center's live state: application, build cycle, funding, summaries, evaluations, rectification, deadlines, history",
    args: [center],
    options: {},
    details:
      'The state, eligibility, reviews, the build cycle (cycle, tier, years ended, funding requests, annual summaries,\n' +
      'evaluations, integrity incidents, rectification, notices, stopped support), deadlines and allowed commands come\n' +
      'from the workflow (live); the application versions and the audit rows from the database.',
    examples: ['centers show bjut', 'centers show bjut.call-2026 --json'],
    load: async () => (await import('./handlers/read')).showCenterCommand,
  },
  {
    name: 'list',
    group: 'Reading and audit',
    summary: 'List centers, filtered by state, call or university',
    args: [],
    options: {
      state: { type: 'string', value: 'STATE', description: 'a state, or a parent state ("application" matches "application.inReview")' },
      call: { type: 'string', value: 'CALL', description: 'only centers of this call' },
      university: { type: 'string', value: 'UNIVERSITY', description: 'only centers of this university' },
      source,
    },
    details: 'With --source temporal the list comes from Temporal visibility (the CenterState, CallId and UniversityId\nsearch attributes); it may lag a moment behind the latest command.',
    examples: ['centers list', 'centers list --state application --call call-2026', 'centers list --source temporal --state building'],
    load: async () => (await import('./handlers/read')).listCentersCommand,
  },
  {
    name: 'audit log',
    group: 'Reading and audit',
    summary: "A center's audit rows: from-state, event, to-state, actor, command id (SPEC §3 \"Audit\")",
    args: [center],
    options: {},
    examples: ['centers audit log bjut', 'centers audit log bjut.call-2026 --json'],
    load: async () => (await import('./handlers/read')).auditLogCommand,
  },
];

/** SPEC §4 "Schedulers": the commission's calendar rounds as Temporal Schedules, and the outbox they feed. */
const ROUNDS: CommandSpec[] = [
  {
    name: 'schedules install',
    group: 'Calendar rounds and notifications (Art. 18)',
    summary: 'Create or update the annual-summary and mid-term round schedules (safe to repeat)',
    args: [],
    options: {},
    details:
      'Each round is a Temporal Schedule with a fixed id (round-annual-summary, round-mid-term) that runs once a year at the\n' +
      'local time in temporal.config.json "rounds" (or CENTERS_ROUNDS_ANNUAL_SUMMARY / CENTERS_ROUNDS_MID_TERM as JSON) and\n' +
      'fires the due deadlines of the listed kinds of every active center, found through search attributes. A deadline its\n' +
      "center's own timer has fired already is not fired again. Running install again updates the schedules to the\n" +
      'configuration (keeping a pause); it never creates a second one.',
    examples: ['centers schedules install', "CENTERS_ROUNDS_ANNUAL_SUMMARY='{\"month\":3,\"day\":31}' centers schedules install --json"],
    load: async () => (await import('./handlers/schedules')).installSchedulesCommand,
  },
  {
    name: 'schedules list',
    group: 'Calendar rounds and notifications (Art. 18)',
    summary: 'List the round schedules with their calendar, kinds, next and last runs',
    args: [],
    options: {},
    examples: ['centers schedules list', 'centers schedules list --json'],
    load: async () => (await import('./handlers/schedules')).listSchedulesCommand,
  },
  {
    name: 'schedules trigger',
    group: 'Calendar rounds and notifications (Art. 18)',
    summary: 'Run a round now (it fires only deadlines already due; a repeat has no effect)',
    args: [{ name: '<scheduleId>', description: 'round-annual-summary or round-mid-term (see `centers schedules list`)' }],
    options: { wait: { type: 'boolean', description: "wait for the round to finish and print what it fired" } },
    examples: ['centers schedules trigger round-annual-summary', 'centers schedules trigger round-mid-term --wait --json'],
    load: async () => (await import('./handlers/schedules')).triggerScheduleCommand,
  },
  {
    name: 'notifications',
    group: 'Calendar rounds and notifications (Art. 18)',
    summary: 'The outbox: reminders, overdue notices and escalations, pending or delivered',
    args: [],
    options: {
      center: { type: 'string', value: 'CENTER', description: 'only this center (a center id, or a university id for all its centers)' },
      status: { type: 'string', value: 'STATUS', description: '"pending" or "delivered"' },
    },
    details:
      'Notices are written with the transition that causes them and delivered once by the worker (the delivery log,\n' +
      'temporal.config.json "notifications.deliveryLog"); a notice that could not be delivered stays pending.',
    examples: ['centers notifications', 'centers notifications --center bjut --status pending --json'],
    load: async () => (await import('./handlers/notifications')).listNotificationsCommand,
  },
];

/** In the order the overview lists them: the application stage, the build cycle, the rounds, then reading. */
export const COMMANDS: CommandSpec[] = [...APPLICATION_STAGE, ...BUILD_CYCLE_COMMANDS, ...ROUNDS, ...READING, ...AUDIT_COMMANDS];

export function findCommand(words: string[]): { spec: CommandSpec; rest: string[] } | null {
  for (const spec of COMMANDS) {
    const parts = spec.name.split(' ');
    if (parts.every((p, i) => words[i] === p)) return { spec, rest: words.slice(parts.length) };
  }
  return null;
}
