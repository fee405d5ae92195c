/**
 * The files in examples/ (SPEC §4 "JSON input validated with zod"): each one is read by the CLI's own reader for
 * its command and then passes the statechart's command schema, so the walkthrough in examples/README.md cannot
 * drift from the schemas. Pure: no server, no database.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../client/commands';
import { CLI_COMMAND } from '../../client/handlers/views';
import { readInput, type InputKind } from '../../client/inputs';
import { COMMAND_TYPES, CommandSchema, type CommandType } from '../../machines/commands';
import type { Actor } from '../../machines/domain';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const examples = path.join(repoRoot, 'examples');
const example = (name: string) => path.join(examples, name);

const university: Actor = { id: 'bjut-office', role: 'university', orgId: 'bjut' };
const commission: Actor = { id: 'operator', role: 'commission' };
const expert: Actor = { id: 'zhang-wei', role: 'expert', orgId: 'pku' };

/** Each example, the reader the CLI uses for it, and the command it becomes. */
const CASES: { file: string; kind: InputKind; command?: { type: CommandType; actor: Actor; payload: (input: any) => unknown } }[] = [
  { file: 'call.json', kind: 'call' },
  { file: 'application.json', kind: 'application', command: { type: 'SUBMIT_APPLICATION', actor: university, payload: (application) => ({ callId: 'call-2026', application }) } },
  { file: 'application-ineligible.json', kind: 'application', command: { type: 'AMEND_APPLICATION', actor: university, payload: (application) => ({ application }) } },
  { file: 'experts.json', kind: 'experts', command: { type: 'ASSIGN_EXPERTS', actor: commission, payload: (p) => p } },
  { file: 'review.json', kind: 'review', command: { type: 'SUBMIT_REVIEW', actor: expert, payload: (review) => ({ review }) } },
  { file: 'funding-promotion.json', kind: 'fundingRequest', command: { type: 'REQUEST_FUNDING', actor: university, payload: (request) => ({ request }) } },
  { file: 'funding-guidance.json', kind: 'fundingRequest', command: { type: 'REQUEST_FUNDING', actor: university, payload: (request) => ({ request }) } },
  { file: 'summary.json', kind: 'annualSummary', command: { type: 'SUBMIT_SUMMARY', actor: university, payload: (summary) => ({ year: 1, summary }) } },
  { file: 'self-evaluation.json', kind: 'selfEvaluation', command: { type: 'SUBMIT_SELF_EVALUATION', actor: university, payload: (p) => p } },
  { file: 'inspection.json', kind: 'inspection', command: { type: 'RECORD_INSPECTION', actor: commission, payload: (p) => p } },
  { file: 'experts.json', kind: 'evaluationExperts', command: { type: 'ASSIGN_EVALUATION_EXPERTS', actor: commission, payload: (p) => p } },
  { file: 'evaluation-review.json', kind: 'evaluationReview', command: { type: 'SUBMIT_EVALUATION_REVIEW', actor: expert, payload: (p) => p } },
  { file: 'rectification.json', kind: 'rectification', command: { type: 'SUBMIT_RECTIFICATION', actor: university, payload: (p) => p } },
  { file: 'incident.json', kind: 'incident', command: { type: 'RECORD_INTEGRITY_INCIDENT', actor: commission, payload: (incident) => ({ incident }) } },
  { file: 'director-change.json', kind: 'director', command: { type: 'RECORD_DIRECTOR_CHANGE', actor: university, payload: (director) => ({ director, effectiveOn: '2027-09-01', reason: 'Wang Li retired' }) } },
  { file: 'staff-change.json', kind: 'staff', command: { type: 'RECORD_STAFF_CHANGE', actor: university, payload: (staff) => ({ staff, effectiveOn: '2027-09-01', reason: 'A patent attorney joined' }) } },
];

describe('examples/: every input file is valid for the command that reads it', () => {
  it.each(CASES)('$file reads as a $kind and passes its command schema', ({ file, kind, command }) => {
    const input = readInput(kind, example(file));
    if (!command) return;
    const parsed = CommandSchema.safeParse({ commandId: 'cmd-example-1', actor: command.actor, type: command.type, payload: command.payload(input) });
    expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues, null, 2)).toBe(true);
  });

  it('every JSON file in examples/ is covered here', () => {
    const files = fs.readdirSync(examples).filter((f) => f.endsWith('.json'));
    expect(new Set(CASES.map((c) => c.file))).toEqual(new Set(files));
  });

  it('Art. 15–16: the guidance project carries external opinions, and both requests\' budget lines add up to the amount', () => {
    const promotion = readInput('fundingRequest', example('funding-promotion.json'));
    const guidance = readInput('fundingRequest', example('funding-guidance.json'));
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
      expect(() => readInput('fundingRequest', bad)).toThrow(expect.objectContaining({ name: 'InputError', issues: expect.arrayContaining([expect.objectContaining({ path: 'amountFen' })]) }));
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

  it('every example in the help and in examples/README.md names an existing file', () => {
    const readme = fs.readFileSync(example('README.md'), 'utf8');
    const mentioned = [...COMMANDS.flatMap((c) => c.examples), readme].flatMap((text) => [...text.matchAll(/examples\/([\w.-]+\.json)/g)].map((m) => m[1]));
    expect(mentioned.length).toBeGreaterThan(10);
    for (const file of new Set(mentioned)) expect(fs.existsSync(example(file)), file).toBe(true);
  });
});
