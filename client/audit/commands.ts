/** The auditor's CLI commands (SPEC §4 "Auditors"); client/commands.ts lists them with the others. */
import type { CommandSpec } from '../commands';
import { DIRECT_ACCESS } from '../options';
import { AUDIT_FAILED_EXIT_CODE } from './reconcile';

const centerArg = {
  name: '<center>',
  description: 'a center id (<universityId>.<callId>, e.g. bjut.call-2026) or a university id (bjut: its latest center)',
  optional: true,
};

export const AUDIT_COMMANDS: CommandSpec[] = [
  {
    name: 'audit replay',
    group: 'Reading and audit',
    summary: "Replay a center's workflow history with the current code: determinism and the timeline of transitions",
    args: [centerArg],
    options: {
      file: {
        type: 'string',
        value: 'FILE',
        description:
          'replay the runs of an export of `centers audit export`, or one run exported by `temporal workflow show -w ID [-r RUN_ID] --output json`, instead of fetching them; no server needed ("-": standard input)',
      },
      'workflow-id': { type: 'string', value: 'ID', description: "with --file: the workflow's id (default: derived from the history's input)" },
    },
    details:
      DIRECT_ACCESS +
      "Fetches every run of the center's workflow (across continue-as-new, first to last), replays each with the workflow code\n" +
      'of this checkout and prints the runs, whether each replays, and the timeline the history records: time, actor,\n' +
      'event, from-state → to-state and command id of every transition (the inputs of its persistTransition activities).\n' +
      `Exit code ${AUDIT_FAILED_EXIT_CODE} when a run does not replay (a workflow change that needed a patched() guard), or when an\n` +
      "export given to --file no longer matches its digests (it was changed after it was exported; nothing is replayed).",
    examples: [
      'centers audit replay bjut.call-2026',
      'centers audit replay --file bjut.call-2026.audit-export.json.gz',
      'temporal workflow show -w center-bjut --output json > history.json && centers audit replay --file history.json',
      'centers audit replay bjut --json',
    ],
    load: async () => (await import('../handlers/audit')).auditReplayCommand,
  },
  {
    name: 'audit reconcile',
    group: 'Reading and audit',
    summary: "Compare a center's history-derived timeline with its audit rows, naming every difference",
    args: [centerArg],
    options: { all: { type: 'boolean', description: 'every center of the database and of Temporal visibility (progress on stderr)' } },
    details:
      DIRECT_ACCESS +
      'Matches transitions by sequence number and names each difference: missing (in the history, not in the database),\n' +
      'extra (in the database, in no run of the history) and altered (same sequence number; each differing field with\n' +
      `the history's and the database's value). Exit code ${AUDIT_FAILED_EXIT_CODE} on any difference.`,
    examples: ['centers audit reconcile bjut.call-2026', 'centers audit reconcile --all', 'centers audit reconcile --all --json > reconciliation.json'],
    load: async () => (await import('../handlers/audit')).auditReconcileCommand,
  },
  {
    name: 'audit verify',
    group: 'Reading and audit',
    summary: "Check a center's audit log as a hash chain, from the database alone, naming the first broken link",
    args: [centerArg],
    options: {
      all: { type: 'boolean', description: 'every center of the database (progress on stderr)' },
      file: { type: 'string', value: 'FILE', description: 'an export of `centers audit export` instead of the database: no server and no database needed ("-": standard input)' },
    },
    details:
      'Reads only the database (no Temporal server): each audit row carries the hash of the row before it and of its own\n' +
      'content (db/audit-chain.ts). Names the first broken link of each center: a row edited after it was written, a row\n' +
      "that no longer links to the one before it (a row deleted between them), or a chain that ends before the center's\n" +
      `last transition (the newest rows deleted). Exit code ${AUDIT_FAILED_EXIT_CODE} when a chain is broken.\n` +
      'With --file, reads only the export (neither Temporal nor the database): its digests (a changed or corrupted copy is\n' +
      "refused, naming the part), the chain of its audit rows, and its history against its audit rows and record tables\n" +
      `as \`audit reconcile\` compares them. Exit code ${AUDIT_FAILED_EXIT_CODE} on any of these.`,
    examples: ['centers audit verify --all', 'centers audit verify bjut.call-2026', 'centers audit verify --all --json', 'centers audit verify --file bjut.call-2026.audit-export.json.gz'],
    load: async () => (await import('../handlers/verify')).auditVerifyCommand,
  },
  {
    name: 'audit export',
    group: 'Reading and audit',
    summary: "Write a center's dossier to one file: every run's history, the audit rows, the records and the evidence files' hashes",
    args: [{ ...centerArg, optional: false }],
    options: {
      out: { type: 'string', value: 'FILE', description: 'where to write it (default: <center>.audit-export-<time>.json.gz here); an existing file is never replaced' },
    },
    details:
      DIRECT_ACCESS +
      "Reads every run of the center's workflow from Temporal (across continue-as-new) and, from the database, its audit rows\n" +
      'with their hash chain, the rows of every record table `audit reconcile` compares, and its evidence files (their\n' +
      'SHA-256, size and type, each checked against the content store; not the files themselves). Writes them as one\n' +
      'gzipped JSON file whose every part carries its SHA-256. `centers audit replay --file` and `centers audit verify\n' +
      '--file` read it on any machine, with no Temporal server and no database. Progress on stderr.',
    examples: ['centers audit export bjut.call-2026', 'centers audit export bjut.call-2026 --out /media/audit/bjut-2026.json.gz', 'centers audit export bjut --json'],
    load: async () => (await import('../handlers/audit')).auditExportCommand,
  },
  {
    name: 'audit what-if',
    group: 'Reading and audit',
    summary: "Re-run stored centers' recorded commands under a candidate policy and report who would change",
    args: [centerArg],
    options: {
      policy: { type: 'string', value: 'FILE', description: 'the candidate policy: the numbers of machines/policy.ts that change, as JSON (e.g. {"minFullTimeStaff": 4})', required: true },
      all: { type: 'boolean', description: 'every center of the database (progress on stderr)' },
      csv: { type: 'boolean', description: 'print CSV (one row per center) instead of the table' },
    },
    details:
      DIRECT_ACCESS +
      "Reads each center's workflow history (its start and the commands it accepted, each at its recorded time) and runs\n" +
      'them through the statechart twice: under the policy the center runs under, and under that policy with the\n' +
      "candidate's numbers. Deadlines come from each policy: the recorded firings are left out and every deadline the\n" +
      "machine has pending fires at its due time before the next command. Reports who would change: eligibility (and\n" +
      'which Art. 8 condition fails), grades and tier, annual summaries and rectification met or missed, support stopped\n' +
      'or not, and the recorded commands the candidate would refuse. Writes nothing (no database row, no workflow).',
    examples: [
      'echo \'{"minFullTimeStaff": 4}\' > candidate.json && centers audit what-if --policy candidate.json --all',
      'centers audit what-if --policy candidate.json bjut.call-2026',
      'centers audit what-if --policy candidate.json --all --csv > what-if.csv',
      'centers audit what-if --policy candidate.json --all --json',
    ],
    load: async () => (await import('../handlers/audit')).auditWhatIfCommand,
  },
];
