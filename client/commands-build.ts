/**
 * The build cycle's commands (SPEC §3a, Art. 12–19): yearly funding, annual summaries, the evaluation
 * sub-process, integrity incidents, rectification and its public notices. Same shape as the application stage's
 * in commands.ts: words, arguments, options, help, lazily loaded handlers.
 */
import type { CommandSpec, OptionSpec } from './commands';
import { center, commission, cycleOption, expert, file, reason, university, wholeNumber } from './options';

const requestId: OptionSpec = { type: 'string', value: 'ID', description: 'the funding request id (e.g. c1-y1-f1; see `centers funding list`)', required: true };
const year: OptionSpec = wholeNumber('N', 'the build year of the cycle (1–5)', true);
const effectiveOn: OptionSpec = { type: 'string', value: 'YYYY-MM-DD', description: 'the date the change takes effect', required: true };
const FEN = 'Amounts are integer fen (1 yuan = 100 fen), as Art. 16 budgets are kept to the fen.';

export const BUILD_CYCLE_COMMANDS: CommandSpec[] = [
  // ── Funding (Art. 13–16) ──────────────────────────────────────────────────────────────────────────────────────
  {
    name: 'funding request',
    group: 'Funding (Art. 13–16)',
    summary: "Request funding for the build year's tasks: a promotion or a guidance project",
    args: [center],
    options: { file: file('the request: { kind, title, tasks, amountFen, budgetLines, opinions } or { "request": ... }') },
    sends: university,
    details:
      'Art. 13: a request is for the build year under way. Promotion projects (Art. 14) fund mechanism, IP, training,\n' +
      'sharing and services; guidance projects (Art. 15) fund a concrete transfer project and carry the opinions of\n' +
      `professional bodies or enterprises. Budget lines, when given, add up to the amount (Art. 16). ${FEN}\n` +
      'Refused (suspended) while the center rectifies (Art. 19).',
    examples: [
      'centers funding request bjut --file examples/funding-promotion.json --as university:bjut-office@bjut',
      'centers funding request bjut --file examples/funding-guidance.json --as university:bjut-office@bjut',
    ],
    load: async () => (await import('./handlers/funding')).requestFundingCommand,
  },
  {
    name: 'funding grant',
    group: 'Funding (Art. 13–16)',
    summary: 'Grant a pending funding request, up to the amount requested',
    args: [center],
    options: {
      request: requestId,
      'amount-fen': wholeNumber('FEN', 'the amount granted, in fen: at most the amount requested', true),
      reason: { ...reason(false), description: 'why (required when granting less than requested)' },
    },
    sends: commission,
    details: `Writes one row to the funding ledger (Art. 16). ${FEN}`,
    examples: [
      'centers funding grant bjut --request c1-y1-f1 --amount-fen 50000000',
      'centers funding grant bjut --request c1-y1-f2 --amount-fen 80000000 --reason "Pilot line budget reduced to the partner\'s share"',
    ],
    load: async () => (await import('./handlers/funding')).grantFundingCommand,
  },
  {
    name: 'funding decline',
    group: 'Funding (Art. 13–16)',
    summary: 'Decline a pending funding request, with a reason',
    args: [center],
    options: { request: requestId, reason: reason(true) },
    sends: commission,
    examples: ['centers funding decline bjut --request c1-y1-f2 --reason "No enterprise has committed to the pilot line"'],
    load: async () => (await import('./handlers/funding')).declineFundingCommand,
  },
  {
    name: 'funding list',
    group: 'Funding (Art. 13–16)',
    summary: "A center's funding requests, decisions and money granted per year and kind (database)",
    args: [center],
    options: { cycle: { ...cycleOption, description: 'only this build cycle' }, year: wholeNumber('N', 'only this build year') },
    examples: ['centers funding list bjut', 'centers funding list bjut --cycle 1 --year 2 --json'],
    load: async () => (await import('./handlers/funding')).listFundingCommand,
  },
  // ── Annual summaries (Art. 18) ────────────────────────────────────────────────────────────────────────────────
  {
    name: 'summary submit',
    group: 'Annual summaries (Art. 18)',
    summary: "Submit (or resubmit, once returned) a build year's annual summary",
    args: [center],
    options: { year, cycle: cycleOption, file: file('the summary: { indicators, progress } or { "summary": ... }') },
    sends: university,
    details:
      "Art. 18: a year's summary opens when the year ends (its anniversary of approval) and is due after the grace\n" +
      'period (policy default 30 days). A late summary is flagged overdue, reminded and escalated, and may still be\n' +
      'submitted. The indicators are the transfers by assignment, licence, equity investment and spin-off, patents\n' +
      'and people trained (Art. 3, Op. 4–5); the progress covers the five key tasks (Art. 10–11).',
    examples: ['centers summary submit bjut --year 1 --file examples/summary.json --as university:bjut-office@bjut'],
    load: async () => (await import('./handlers/summaries')).submitSummaryCommand,
  },
  {
    name: 'summary accept',
    group: 'Annual summaries (Art. 18)',
    summary: 'Accept a submitted annual summary',
    args: [center],
    options: { year, cycle: cycleOption },
    sends: commission,
    examples: ['centers summary accept bjut --year 1'],
    load: async () => (await import('./handlers/summaries')).acceptSummaryCommand,
  },
  {
    name: 'summary return',
    group: 'Annual summaries (Art. 18)',
    summary: 'Return a submitted annual summary for rework, with a reason',
    args: [center],
    options: { year, cycle: cycleOption, reason: reason(true) },
    sends: commission,
    examples: ['centers summary return bjut --year 1 --reason "Licence income is missing its contracts"'],
    load: async () => (await import('./handlers/summaries')).returnSummaryCommand,
  },
  {
    name: 'summary list',
    group: 'Annual summaries (Art. 18)',
    summary: "A center's annual summaries, due dates, overdue flags and reminders (database)",
    args: [center],
    options: { cycle: { ...cycleOption, description: 'only this build cycle' } },
    examples: ['centers summary list bjut', 'centers summary list bjut --json'],
    load: async () => (await import('./handlers/summaries')).listSummariesCommand,
  },
  // ── Evaluations (Art. 17–18) and integrity (Art. 12) ──────────────────────────────────────────────────────────
  {
    name: 'evaluation self',
    group: 'Evaluations and integrity (Art. 12, 17–18)',
    summary: "Submit the university's self-evaluation: scores on the five key tasks and a report",
    args: [center],
    options: { file: file('the self-evaluation: { scores, report }') },
    sends: university,
    details:
      'Art. 18: an evaluation (mid-term after two years, acceptance at the end of the cycle, re-evaluation after a\n' +
      'rectification) runs four steps: self-evaluation, on-site inspection, expert review, comprehensive assessment.\n' +
      'Scores are 0–100 on the five key tasks of Art. 10–11 (the evaluation dimensions of Art. 17).',
    examples: ['centers evaluation self bjut --file examples/self-evaluation.json --as university:bjut-office@bjut'],
    load: async () => (await import('./handlers/evaluations')).selfEvaluationCommand,
  },
  {
    name: 'evaluation inspect',
    group: 'Evaluations and integrity (Art. 12, 17–18)',
    summary: 'Record the on-site inspection: date, inspectors, findings',
    args: [center],
    options: { file: file('the inspection: { inspectedOn: "YYYY-MM-DD", inspectors, findings }') },
    sends: commission,
    examples: ['centers evaluation inspect bjut --file examples/inspection.json'],
    load: async () => (await import('./handlers/evaluations')).inspectCommand,
  },
  {
    name: 'evaluation assign-experts',
    group: 'Evaluations and integrity (Art. 12, 17–18)',
    summary: "Assign the evaluation's expert panel (no expert from the center's own university)",
    args: [center],
    options: { file: file('the experts: [{ id, name, orgId }] or { "experts": [...] }') },
    sends: commission,
    examples: ['centers evaluation assign-experts bjut --file examples/experts.json'],
    load: async () => (await import('./handlers/evaluations')).assignEvaluationExpertsCommand,
  },
  {
    name: 'evaluation review',
    group: 'Evaluations and integrity (Art. 12, 17–18)',
    summary: "Submit an assigned expert's scores on the five key tasks and opinion (once per expert)",
    args: [center],
    options: { file: file('the review: { scores, opinion } or { "review": ... }') },
    sends: expert,
    examples: ['centers evaluation review bjut --file examples/evaluation-review.json --as expert:zhang-wei@pku'],
    load: async () => (await import('./handlers/evaluations')).evaluationReviewCommand,
  },
  {
    name: 'evaluation assess',
    group: 'Evaluations and integrity (Art. 12, 17–18)',
    summary: 'Grade the evaluation from the experts\' scores: excellent, qualified, unqualified (override with a reason)',
    args: [center],
    options: {
      grade: { type: 'string', value: 'GRADE', description: 'excellent, qualified or unqualified, to override the grade the experts\' scores give' },
      reason: {
        ...reason(false),
        description: 'why (required to override the computed grade, and for an unqualified grade: it is published in the notice)',
      },
      'rectification-days': wholeNumber('N', "for an unqualified grade: the days allowed to rectify (default: the policy's, 180)"),
    },
    sends: commission,
    details:
      "Art. 17–18: the score is the mean of the experts' weighted scores; the grade follows the policy's thresholds.\n" +
      'Art. 19: excellent or qualified at acceptance starts the next cycle (tier A or B); unqualified publishes a\n' +
      'notice and opens a rectification with a deadline, during which funding is suspended.',
    examples: [
      'centers evaluation assess bjut',
      'centers evaluation assess bjut --grade unqualified --reason "IP management mechanism not running" --rectification-days 90',
    ],
    load: async () => (await import('./handlers/evaluations')).assessCommand,
  },
  {
    name: 'evaluation list',
    group: 'Evaluations and integrity (Art. 12, 17–18)',
    summary: "A center's evaluations, scores, grades and overrides, with its integrity incidents (database)",
    args: [center],
    options: {},
    details: 'Art. 12: integrity incidents are listed with the evaluations, so evaluators see them.',
    examples: ['centers evaluation list bjut', 'centers evaluation list bjut --json'],
    load: async () => (await import('./handlers/evaluations')).listEvaluationsCommand,
  },
  {
    name: 'incident record',
    group: 'Evaluations and integrity (Art. 12, 17–18)',
    summary: 'Record an integrity incident (ethical, legal, credit) against a center',
    args: [center],
    options: { file: file('the incident: { occurredOn: "YYYY-MM-DD", category, description } or { "incident": ... }') },
    sends: commission,
    details: 'Art. 12: guarding against ethical and legal risk; incidents are shown to evaluators with the evaluations.',
    examples: ['centers incident record bjut --file examples/incident.json'],
    load: async () => (await import('./handlers/evaluations')).recordIncidentCommand,
  },
  // ── Rectification and notices (Art. 19) ───────────────────────────────────────────────────────────────────────
  {
    name: 'rectification submit',
    group: 'Rectification and notices (Art. 19)',
    summary: 'Submit the rectification report before the deadline; the re-evaluation starts',
    args: [center],
    options: {
      file: { ...file('the report: { "report": TEXT }'), required: false },
      report: { type: 'string', value: 'TEXT', description: 'the report as text (instead of --file)' },
    },
    sends: university,
    details: 'Give the report with --file or --report (one of them).',
    examples: [
      'centers rectification submit bjut --file examples/rectification.json --as university:bjut-office@bjut',
      'centers rectification submit bjut --report "The IP management mechanism now runs: ..." --as university:bjut-office@bjut',
    ],
    load: async () => (await import('./handlers/rectification')).submitRectificationCommand,
  },
  {
    name: 'rectification extend',
    group: 'Rectification and notices (Art. 19)',
    summary: 'Extend the rectification deadline, with a reason (as often as the policy allows, default once)',
    args: [center],
    options: { days: wholeNumber('N', 'days added to the deadline', true), reason: reason(true) },
    sends: commission,
    examples: ['centers rectification extend bjut --days 30 --reason "Inspection of the new IP office postponed by the commission"'],
    load: async () => (await import('./handlers/rectification')).extendRectificationCommand,
  },
  {
    name: 'notices',
    group: 'Rectification and notices (Art. 19)',
    summary: 'The public notices of unqualified grades, with their rectification (anyone may list them)',
    args: [],
    options: { center: { type: 'string', value: 'CENTER', description: "only this center's notices (a center id or a university id)" } },
    examples: ['centers notices', 'centers notices --center bjut --json'],
    load: async () => (await import('./handlers/rectification')).listNoticesCommand,
  },
  // ── Director and staff (Art. 6, 8(7)) ─────────────────────────────────────────────────────────────────────────
  {
    name: 'director change',
    group: 'Director and staff (Art. 6, 8(7))',
    summary: "Record a new director of the center, with the date it takes effect and a reason",
    args: [center],
    options: { file: file('the director: { name, title, department } or { "director": ... }'), 'effective-on': effectiveOn, reason: reason(true) },
    sends: university,
    details: "Art. 6: the director heads the university's tech-transfer management department; changes are recorded events.",
    examples: ['centers director change bjut --file examples/director-change.json --effective-on 2027-09-01 --reason "Wang Li retired" --as university:bjut-office@bjut'],
    load: async () => (await import('./handlers/organisation')).directorChangeCommand,
  },
  {
    name: 'staff change',
    group: 'Director and staff (Art. 6, 8(7))',
    summary: "Record the center's staff as they now are (falling below the Art. 8(7) minimum is flagged)",
    args: [center],
    options: { file: file('the whole staff: [{ name, fullTime, background }] or { "staff": [...] }'), 'effective-on': effectiveOn, reason: reason(true) },
    sends: university,
    details: 'Art. 8(7): at least three full-time staff with a tech-transfer, IP, law or finance background.',
    examples: ['centers staff change bjut --file examples/staff-change.json --effective-on 2027-09-01 --reason "A patent attorney joined" --as university:bjut-office@bjut'],
    load: async () => (await import('./handlers/organisation')).staffChangeCommand,
  },
];
