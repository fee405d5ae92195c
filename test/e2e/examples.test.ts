/**
 * The files in examples/ (SPEC §4 "JSON input validated with zod"): each one is read by the CLI's own reader as the
 * --file of its command and then passes the statechart's command schema, so the walkthrough in examples/README.md cannot
 * drift from the schemas. Pure: no server, no database.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../client/commands';
import { CLI_COMMAND } from '../../client/handlers/views';
import { overviewHelp } from '../../client/help';
import { commandPayload } from '../../client/inputs';
import { COMMAND_TABLE, COMMAND_TYPES, CommandSchema, type AnyCommandType } from '../../machines/commands';
import type { Actor } from '../../machines/domain';
import { FundingRoundSchema } from '../../machines/funding-rounds';
import { defaultPolicy } from '../../machines/policy';
import { readJson } from '../../client/args';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const examples = path.join(repoRoot, 'examples');
const example = (name: string) => path.join(examples, name);

const university: Actor = { id: 'bjut-office', role: 'university', orgId: 'bjut' };
const commission: Actor = { id: 'operator', role: 'commission' };
const expert: Actor = { id: 'zhang-wei', role: 'expert', orgId: 'pku' };

/** Each example, the command whose --file it is, the other options that command needs, and who sends it. */
const CASES: { file: string; type: AnyCommandType; options?: Record<string, string>; actor: Actor }[] = [
  { file: 'call.json', type: 'OPEN_CALL', actor: commission },
  { file: 'funding-round.json', type: 'OPEN_ROUND', actor: commission },
  { file: 'round-scores-promotion.json', type: 'SCORE_IN_ROUND', options: { request: 'bjut.call-2026/c1-y1-f1' }, actor: expert },
  { file: 'application.json', type: 'SUBMIT_APPLICATION', options: { call: 'call-2026' }, actor: university },
  { file: 'application-ineligible.json', type: 'AMEND_APPLICATION', actor: university },
  { file: 'experts.json', type: 'ASSIGN_EXPERTS', actor: commission },
  { file: 'review.json', type: 'SUBMIT_REVIEW', actor: expert },
  { file: 'review-rubric.json', type: 'SUBMIT_REVIEW', actor: expert },
  { file: 'funding-promotion.json', type: 'REQUEST_FUNDING', actor: university },
  { file: 'funding-guidance.json', type: 'REQUEST_FUNDING', actor: university },
  { file: 'budget-lines.json', type: 'GRANT_FUNDING', options: { request: 'c1-y1-f1', 'amount-fen': '50000000' }, actor: commission },
  { file: 'reserve-result.json', type: 'RECORD_RESULT', actor: university },
  { file: 'reserve-transfer.json', type: 'RECORD_TRANSFER', options: { result: 'p-2027-001' }, actor: university },
  { file: 'summary.json', type: 'SUBMIT_SUMMARY', options: { year: '1' }, actor: university },
  { file: 'self-evaluation.json', type: 'SUBMIT_SELF_EVALUATION', actor: university },
  { file: 'inspection.json', type: 'RECORD_INSPECTION', actor: commission },
  { file: 'experts.json', type: 'ASSIGN_EVALUATION_EXPERTS', actor: commission },
  { file: 'evaluation-review.json', type: 'SUBMIT_EVALUATION_REVIEW', actor: expert },
  { file: 'rectification.json', type: 'SUBMIT_RECTIFICATION', actor: university },
  { file: 'incident.json', type: 'RECORD_INTEGRITY_INCIDENT', actor: commission },
  { file: 'director-change.json', type: 'RECORD_DIRECTOR_CHANGE', options: { 'effective-on': '2027-09-01', reason: 'Wang Li retired' }, actor: university },
  { file: 'staff-change.json', type: 'RECORD_STAFF_CHANGE', options: { 'effective-on': '2027-09-01', reason: 'A patent attorney joined' }, actor: university },
];

const read = <T extends AnyCommandType>(type: T, file: string, options: Record<string, string> = {}) => commandPayload(type, { ...options, file });

describe('examples/: every input file is valid for the command that reads it', () => {
  it.each(CASES)('$file reads as the --file of $type and passes its command schema', ({ file, type, options, actor }) => {
    const payload = read(type, example(file), options);
    const schema = COMMAND_TABLE[type].host === 'center' ? CommandSchema : COMMAND_TABLE[type].payload;
    const parsed = schema.safeParse(schema === CommandSchema ? { commandId: 'cmd-example-1', actor, type, payload } : payload);
    expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues, null, 2)).toBe(true);
  });

  it('every JSON file in examples/ is covered here', () => {
    const files = fs.readdirSync(examples).filter((f) => f.endsWith('.json'));
    expect(new Set(CASES.map((c) => c.file))).toEqual(new Set(files));
  });

  it('Art. 13: the funding round reads as `round open --file`, the scores fit the promotion rubric', () => {
    expect(FundingRoundSchema.safeParse(readJson(example('funding-round.json'))).success).toBe(true);
    const scores = readJson(example('round-scores-promotion.json')) as Record<string, number>;
    expect(Object.keys(scores).sort()).toEqual(Object.keys(defaultPolicy.roundRubrics.promotion).sort());
  });

  it('Art. 15–16: the guidance project carries external opinions, and both requests\' budget lines add up to the amount', () => {
    const { request: promotion } = read('REQUEST_FUNDING', example('funding-promotion.json'));
    const { request: guidance } = read('REQUEST_FUNDING', example('funding-guidance.json'));
    expect(promotion.kind).toBe('promotion');
    expect(guidance.kind).toBe('guidance');
    expect(guidance.opinions.length).toBeGreaterThan(0);
    for (const r of [promotion, guidance]) expect(r.budgetLines.reduce((sum, l) => sum + l.amountFen, 0)).toBe(r.amountFen);
  });

  it('a bad file is refused field by field, as the CLI reports it', () => {
    const bad = path.join(fs.mkdtempSync(path.join(repoRoot, 'node_modules', '.examples-test-')), 'guidance.json');
    const request = JSON.parse(fs.readFileSync(example('funding-guidance.json'), 'utf8'));
    request.opinions = [];
    request.amountFen = -5;
    fs.writeFileSync(bad, JSON.stringify({ request }));
    try {
      expect(() => read('REQUEST_FUNDING', bad)).toThrow(expect.objectContaining({ name: 'InputError', issues: expect.arrayContaining([expect.objectContaining({ path: 'amountFen' })]) }));
    } finally {
      fs.rmSync(path.dirname(bad), { recursive: true, force: true });
    }
  });
});

describe('SPEC §4: the CLI covers every command, and its help names only files that exist', () => {
  it('every statechart command has a CLI command', () => {
    const names = new Set(COMMANDS.map((c) => c.name));
    for (const type of COMMAND_TYPES) expect(names.has(CLI_COMMAND[type]), `${type} → centers ${CLI_COMMAND[type]}`).toBe(true);
  });

  it('every command of the table has a CLI command with its name, and `centers --help` lists it', () => {
    const names = new Set(COMMANDS.map((c) => c.name));
    const overview = overviewHelp();
    for (const def of Object.values(COMMAND_TABLE)) {
      expect(names.has(def.cli.name), def.cli.name).toBe(true);
      expect(overview).toContain(`  ${def.cli.name} `);
    }
  });

  it('every example in the help and in examples/README.md names an existing file', () => {
    const readme = fs.readFileSync(example('README.md'), 'utf8');
    const mentioned = [...COMMANDS.flatMap((c) => c.examples), readme].flatMap((text) => [...text.matchAll(/examples\/([\w.-]+\.json)/g)].map((m) => m[1]));
    expect(mentioned.length).toBeGreaterThan(10);
    for (const file of new Set(mentioned)) expect(fs.existsSync(example(file)), file).toBe(true);
  });
});
