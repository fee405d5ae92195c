/**
 * Every CLI command: its words, arguments, options, help text and examples (SPEC §4 "Operators' CLI"). The commands
 * that send a command are derived from the command table (machines/commands.ts: name, stage, summary, options,
 * roles, examples) and run one generic handler (handlers/table.ts); the reading commands are declared here. The
 * handlers are loaded only when a command runs, so `--help` and usage errors answer at once.
 */
import { COMMAND_TABLE, type AnyCommandType } from '../machines/commands';
import { STAGES, type CommandDef, type Stage } from '../machines/core';
import { carriesEvidence, MAX_EVIDENCE_FILES } from '../machines/evidence';
import { AUDIT_COMMANDS } from './audit/commands';
import { USERS_COMMANDS } from './users/commands';
import { SESSION_COMMANDS } from './session/commands';
import type { Services } from './connect';
import { ACTOR_EXAMPLES, callId, center, cycleOption, DIRECT_ACCESS, sendsFor, source, wholeNumber } from './options';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** The option may be given more than once (its value is then a list). */
  multiple?: boolean;
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
  /** The overview's heading: a stage of the regulation (machines/core.ts STAGES), the rounds, or reading and audit. */
  group: (typeof STAGES)[Stage] | 'Calendar rounds and notifications (Art. 18)' | 'Reading and audit' | 'Users and access';
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


/** The round's commands, like the call's, go through the API when one is configured (as the other table commands do). */
const ROUND_ACCESS = 'Through the API (CENTERS_API_URL) as the caller; with CENTERS_API_URL=off, to Temporal directly with --as.';
const roundId = { name: '<roundId>', description: 'the round id' };

/** A command-table entry as a CLI command: everything but the rendering of its result comes from the table. */
function fromTable(type: AnyCommandType): CommandSpec {
  const def: CommandDef = COMMAND_TABLE[type];
  const { cli } = def;
  const options: Record<string, OptionSpec> = Object.fromEntries(
    Object.entries(cli.options ?? {}).map(([flag, o]) => [flag, { type: 'string', value: o.value, description: o.description, required: o.required }]),
  );
  if (cli.file) {
    options.file = { type: 'string', value: 'FILE', description: `${cli.file.description} (JSON; "-" reads standard input)`, required: !cli.file.optional };
  }
  if (carriesEvidence(type)) {
    options.attach = {
      type: 'string',
      multiple: true,
      value: 'FILE',
      description: `an evidence file (PDF, PNG, JPEG, Word, Excel or PowerPoint), stored by its SHA-256 and named in the command's evidence list; may be repeated (at most ${MAX_EVIDENCE_FILES})`,
    };
  }
  return {
    name: cli.name,
    group: STAGES[def.stage],
    summary: def.summary,
    args: [...(cli.target === 'center' ? [center] : cli.target === 'call' ? [callId] : cli.target === 'round' ? [roundId] : []), ...(cli.args ?? []).map(({ name, description }) => ({ name, description }))],
    options,
    sends: sendsFor(def.roles),
    details: def.host === 'round' && cli.details ? `${cli.details}\n${ROUND_ACCESS}` : cli.details,
    examples: cli.examples,
    load: async () => (await import('./handlers/table')).tableCommand(type),
  };
}

/** The reading commands of a stage, listed after the stage's table commands. */
const STAGE_READING: Partial<Record<Stage, CommandSpec[]>> = {
  versions: [
  {
    name: 'migrate plan',
    group: STAGES.versions,
    summary: 'List every running center with the statechart version it runs, and whether it would move to the next cleanly, or why not',
    args: [],
    options: {},
    details:
      DIRECT_ACCESS +
      "A dry run: asks each running center's workflow (Temporal visibility, then its `version` query, answered by the\n" +
      "worker's code) which version it runs and what its move would do: moves cleanly, or cannot move and why (the\n" +
      'migration\'s check, machines/versions.ts). Writes nothing. A center that does not move now moves at its next\n' +
      'continue-as-new once its check passes.',
    examples: ['centers migrate plan', 'centers migrate plan --json'],
    load: async () => (await import('./handlers/migrate')).migratePlanCommand,
  },
  {
    name: 'migrate apply',
    group: STAGES.versions,
    summary: 'Move every running center that can to the next statechart version (MIGRATE_CENTER), reporting each that cannot and why',
    args: [],
    options: {
      as: { type: 'string', value: 'ROLE:ID[@ORG]', description: `the commission actor (default commission:operator, or CENTERS_ACTOR), e.g. ${ACTOR_EXAMPLES.commission}` },
    },
    details:
      DIRECT_ACCESS +
      'Plans as `centers migrate plan` does, then sends MIGRATE_CENTER to each center that moves cleanly: the move is one\n' +
      "audit row. Each move's command id is derived from the center and the version, so running it again moves nothing\n" +
      'twice. Progress on stderr. Exit code 3 when a center did not move (it cannot, or was refused at the move), after\n' +
      'printing every center and why.',
    examples: ['centers migrate apply', 'centers migrate apply --json > moves.json'],
    load: async () => (await import('./handlers/migrate')).migrateApplyCommand,
  },
  ],
  calls: [
  {
    name: 'call show',
    group: STAGES.calls,
    summary: "Show a call: window, quota, approvals, applicants, and its events",
    args: [callId],
    options: {},
    examples: ['centers call show call-2026'],
    load: async () => (await import('./handlers/calls')).showCallCommand,
  },
  {
    name: 'call list',
    group: STAGES.calls,
    summary: 'List calls',
    args: [],
    options: { source },
    examples: ['centers call list', 'centers call list --source temporal --json'],
    load: async () => (await import('./handlers/calls')).listCallsCommand,
  },
  {
    name: 'call decide',
    group: STAGES.calls,
    summary: "Decide a call (Art. 9 择优): rank its applicants by the panel's score, approve the best within the quota, reject the rest",
    args: [callId],
    options: {
      except: {
        type: 'string',
        multiple: true,
        value: 'UNIVERSITY=approve|reject:REASON',
        description: 'a decision against the ranking, with its reason (recorded with the decision); may be repeated',
      },
      // Not `sends`: each decision's command id is derived (call, university, verdict), so there is no --command-id.
      as: { type: 'string', value: 'ROLE:ID[@ORG]', description: `direct path only (CENTERS_API_URL=off): the commission actor (default commission:operator, or CENTERS_ACTOR), e.g. ${ACTOR_EXAMPLES.commission}` },
    },
    details:
      "Sends an ordinary APPROVE or REJECT to each applicant awaiting a decision, approvals first, each with its rank and score as the reason.\n" +
      'While the call is open, or an applicant is still in review, those below the quota line keep waiting instead of being rejected.\n' +
      "Running it again repeats nothing: decided centers no longer await a decision, and each decision's command id is derived from the call, university and verdict.",
    examples: ['centers call decide call-2026', 'centers call decide call-2026 --except pku=approve:"The only applicant with a clinical-translation platform"'],
    load: async () => (await import('./handlers/selection')).decideCallCommand,
  },
  ],
  funding: [
  {
    name: 'round show',
    group: STAGES.funding,
    summary: 'A funding round: its budget, the ranking of each kind, decisions and reasons (Temporal)',
    args: [{ name: '<roundId>', description: 'the round id' }],
    options: { csv: { type: 'string', value: 'FILE', description: 'also write the ranking as CSV to FILE (rank, score, requested, decision, reason; amounts in fen)' } },
    examples: ['centers round show r2026', 'centers round show r2026 --csv r2026.csv'],
    load: async () => (await import('./handlers/funding-rounds')).showRoundCommand,
  },
  {
    name: 'round decide',
    group: STAGES.funding,
    summary: 'Decide a round in one operation (Art. 13 择优): grant the best within the budget and tier ceilings, decline the rest',
    args: [{ name: '<roundId>', description: 'the round id' }],
    options: {
      depart: { type: 'string', multiple: true, value: 'CENTER/ID=grant|decline:REASON', description: 'a decision against the ranking, with its reason (recorded with the decision); may be repeated' },
      // Not `sends`: each decision's command id is derived (round, request, verdict), so there is no --command-id.
      as: { type: 'string', value: 'ROLE:ID[@ORG]', description: `the actor (or CENTERS_ACTOR), e.g. ${ACTOR_EXAMPLES.commission} (default commission:operator)` },
    },
    details:
      `${DIRECT_ACCESS}Once the window has closed: each grant is reserved from the round's budget (the round answers one at a time,\n` +
      'so it is never over-committed) and sent to its center as GRANT_FUNDING; each decline, with its rank and the budget, as DECLINE_FUNDING.\n' +
      "Running it again repeats nothing: decisions are kept by the round, and each command id is derived from the round and the request.",
    examples: ['centers round decide r2026', 'centers round decide r2026 --depart bjut.call-2026/c1-y1-f1=grant:"The only center serving the southern districts"'],
    load: async () => (await import('./handlers/funding-rounds')).decideRoundCommand,
  },
  {
    name: 'funding list',
    group: STAGES.funding,
    summary: "A center's funding requests, decisions and money granted per year and kind (database)",
    args: [center],
    options: { cycle: cycleOption, year: wholeNumber('N', 'only this build year') },
    examples: ['centers funding list bjut', 'centers funding list bjut --cycle 1 --year 2 --json'],
    load: async () => (await import('./handlers/funding')).listFundingCommand,
  },
  {
    name: 'accounts show',
    group: STAGES.funding,
    summary: "A center's money (Art. 16): each grant's budget lines granted, spent and unspent, its spending and final accounts (database)",
    args: [center],
    options: { csv: { type: 'string', value: 'FILE', description: 'also write every line as CSV to FILE (amounts in fen)' } },
    details:
      'Per grant and budget line: granted, spent and unspent, from the ledger, the budget lines and the spending recorded\n' +
      '(a grant made before grants carried lines has one line, unallocated); the final accounts\' status beside each grant.',
    examples: ['centers accounts show bjut', 'centers accounts show bjut --csv bjut-accounts.csv', 'centers accounts show bjut --json'],
    load: async () => (await import('./handlers/accounts')).showAccountsCommand,
  },
  {
    name: 'reserve list',
    group: STAGES.funding,
    summary: "A center's results reserve and patent pool (Op. 4(4)): each result, its value, and how it was transferred (database)",
    args: [center],
    options: {},
    examples: ['centers reserve list bjut', 'centers reserve list bjut --json'],
    load: async () => (await import('./handlers/reserve')).listReserveCommand,
  },
  ],
  summaries: [
  {
    name: 'summary list',
    group: STAGES.summaries,
    summary: "A center's annual summaries, due dates, overdue flags and reminders (database)",
    args: [center],
    options: { cycle: cycleOption },
    examples: ['centers summary list bjut', 'centers summary list bjut --json'],
    load: async () => (await import('./handlers/summaries')).listSummariesCommand,
  },
  ],
  evaluation: [
  {
    name: 'evaluation list',
    group: STAGES.evaluation,
    summary: "A center's evaluations, scores, grades and overrides, with its integrity incidents (database)",
    args: [center],
    options: {},
    details: 'Art. 12: integrity incidents are listed with the evaluations, so evaluators see them.',
    examples: ['centers evaluation list bjut', 'centers evaluation list bjut --json'],
    load: async () => (await import('./handlers/evaluations')).listEvaluationsCommand,
  },
  ],
  rectification: [
  {
    name: 'notices',
    group: STAGES.rectification,
    summary: 'The public notices of unqualified grades, with their rectification (anyone may list them)',
    args: [],
    options: { center: { type: 'string', value: 'CENTER', description: "only this center's notices (a center id or a university id)" } },
    examples: ['centers notices', 'centers notices --center bjut --json'],
    load: async () => (await import('./handlers/rectification')).listNoticesCommand,
  },
  ],
};

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
    name: 'report',
    group: 'Reading and audit',
    summary: 'Op. 5(3) monitoring report: transfers, patents, people trained, funding and grades per university and year, and trends',
    args: [],
    options: {
      university: { type: 'string', value: 'UNIVERSITY', description: 'only this university' },
      from: { type: 'string', value: 'YEAR', description: 'from this calendar year' },
      to: { type: 'string', value: 'YEAR', description: 'up to this calendar year' },
      csv: { type: 'string', value: 'FILE', description: 'also write every figure as CSV to FILE (amounts in fen)' },
      svg: { type: 'string', value: 'DIR', description: 'also write the commission-wide trends as SVG charts into DIR' },
    },
    details:
      'For the commission and auditors. The indicators come from the submitted and accepted annual summaries (Art. 18),\n' +
      'the money from the funding requests and the ledger (Art. 13-16), the grades from the evaluations (Art. 17-18).\n' +
      "A build year counts under the calendar year it began in (the cycle's start year + year - 1); a grade in the\n" +
      'year it was given. ALL rows are the sums over every university. See docs/reports.md.',
    examples: ['centers report', 'centers report --from 2026 --to 2028 --csv report.csv --svg charts', 'centers report --university bjut --json'],
    load: async () => (await import('./handlers/reports')).monitoringReportCommand,
  },
  {
    name: 'evidence get',
    group: 'Reading and audit',
    summary: 'Write an evidence file a command of the center carried (by its SHA-256), read like the record it belongs to',
    args: [center, { name: '<sha256>', description: "the file's SHA-256, as the command's evidence list names it" }],
    options: { out: { type: 'string', value: 'FILE', description: 'where to write it (default: its name, in this directory)' } },
    details:
      "Through the API the file is read with your identity: a university its own centers' files, an expert those of the\n" +
      "centers assigned to them (not a funding request's, which belong to the accounts), the commission and auditors all.\n" +
      'The file is checked against its hash as it is read.',
    examples: ['centers evidence get bjut 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b --out opinion.pdf'],
    load: async () => (await import('./handlers/evidence')).getEvidenceCommand,
  },
  {
    name: 'evidence put',
    group: 'Reading and audit',
    summary: "Store evidence files and print their references (for a command's evidence list; --attach does this for you)",
    args: [{ name: '<file>', description: 'a PDF, PNG, JPEG, Word, Excel or PowerPoint file' }],
    options: {},
    examples: ['centers evidence put opinion.pdf --json'],
    load: async () => (await import('./handlers/evidence')).putEvidenceCommand,
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
      DIRECT_ACCESS +
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
    details: DIRECT_ACCESS.trim(),
    examples: ['centers schedules list', 'centers schedules list --json'],
    load: async () => (await import('./handlers/schedules')).listSchedulesCommand,
  },
  {
    name: 'schedules trigger',
    group: 'Calendar rounds and notifications (Art. 18)',
    summary: 'Run a round now (it fires only deadlines already due; a repeat has no effect)',
    args: [{ name: '<scheduleId>', description: 'round-annual-summary or round-mid-term (see `centers schedules list`)' }],
    options: { wait: { type: 'boolean', description: "wait for the round to finish and print what it fired" } },
    details: DIRECT_ACCESS.trim(),
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

/** In the order the overview lists them: each stage's commands (the table's, then the stage's reading), the rounds, reading. */
export const COMMANDS: CommandSpec[] = [
  ...(Object.keys(STAGES) as Stage[]).flatMap((stage) => [
    ...(Object.keys(COMMAND_TABLE) as AnyCommandType[]).filter((t) => COMMAND_TABLE[t].stage === stage).map(fromTable),
    ...(STAGE_READING[stage] ?? []),
  ]),
  ...ROUNDS,
  ...READING,
  ...AUDIT_COMMANDS,
  ...USERS_COMMANDS,
  ...SESSION_COMMANDS,
];

export function findCommand(words: string[]): { spec: CommandSpec; rest: string[] } | null {
  for (const spec of COMMANDS) {
    const parts = spec.name.split(' ');
    if (parts.every((p, i) => words[i] === p)) return { spec, rest: words.slice(parts.length) };
  }
  return null;
}
