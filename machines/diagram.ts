import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';

/**
 * The statechart as a picture: a Mermaid `stateDiagram-v2` drawn from any XState v5 machine's definition
 * (docs/statechart.md, and the web console's diagram: docs/specification.md §4). Pure and generic: it walks the
 * state nodes (`states`, `transitions`, `always`, `initial`, `type`) and names no state, event or guard of its own,
 * so the picture follows the machine whatever shape it takes.
 */

/** A transition that changes the state: from one state node to another (or to itself when it re-enters). */
export interface DiagramEdge {
  /** XState ids of the source and target state nodes, e.g. "center.application.eligible". */
  source: string;
  target: string;
  /** The event type, or "[always]" for an eventless transition, then the guard in brackets if any ("else" for a fallback). */
  label: string;
}

/** A transition without a target: the state handles the event (actions, context) and stays where it is. */
export interface InternalTransition {
  /** XState id of the state node that handles the event. */
  state: string;
  event: string;
  guard: string | null;
}

export interface StatechartOptions {
  /** Show each transition's guard in brackets after its event (default true). */
  guards?: boolean;
}

const ALWAYS = '[always]';

/** What a guard without a usable name is shown as; inside a combination, an unnamed part is "…". */
const UNNAMED_GUARD = 'guarded';

/** A function's own name, unless it is empty or only the `guard` property name JavaScript gave an inline function. */
const ownName = (fn: { name?: string }): string | null => (fn.name && fn.name !== 'guard' ? fn.name : null);

/**
 * A readable name for a guard: a named guard ("isEligible"), a parameterised one ({ type }), XState's
 * and / or / not / stateIn, or an inline function — by its name, or by the names of the parts it carries in an
 * array property (a guard built from a list of named rules); otherwise "guarded".
 */
export function describeGuard(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object') {
    const type = (guard as { type?: unknown }).type;
    return typeof type === 'string' ? type : UNNAMED_GUARD;
  }
  if (typeof guard !== 'function') return String(guard);
  const fn = guard as { name?: string; guards?: unknown; stateValue?: unknown };
  const part = (g: unknown) => {
    const d = describeGuard(g);
    return d === null || d === UNNAMED_GUARD ? '…' : / (and|or) /.test(d) ? `(${d})` : d;
  };
  if (Array.isArray(fn.guards)) {
    const parts = fn.guards.map(part);
    if (fn.name === 'not') return `not ${parts.join(' ')}`;
    return parts.join(fn.name === 'or' ? ' or ' : ' and ');
  }
  if (fn.stateValue !== undefined) {
    return `in ${typeof fn.stateValue === 'string' ? fn.stateValue : JSON.stringify(fn.stateValue)}`;
  }
  const name = ownName(fn);
  if (name) return name;
  const list = Object.values(fn).find((v): v is unknown[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'function' || typeof x === 'string'));
  if (list) {
    const parts = list.map(part);
    if (parts.some((p) => p !== '…')) return parts.join(' and ');
  }
  return UNNAMED_GUARD;
}

const childrenOf = (node: AnyStateNode): AnyStateNode[] => Object.values(node.states ?? {}) as AnyStateNode[];

/** Every state node of the machine, the root first, in the order of the definition. */
function allNodes(root: AnyStateNode): AnyStateNode[] {
  return [root, ...childrenOf(root).flatMap(allNodes)];
}

/** The label of the transitions of one event type: the type itself, or "after <delay>" for a delayed one. */
function eventLabels(node: AnyStateNode): Map<string, string> {
  const labels = new Map<string, string>();
  for (const t of node.after ?? []) {
    const delay = (t as { delay?: unknown }).delay;
    labels.set(String(t.eventType), `after ${typeof delay === 'number' ? `${delay} ms` : String(delay)}`);
  }
  return labels;
}

/**
 * A state's transitions with their event labels. XState tries the transitions of one event in order; an unguarded
 * one after guarded ones is the fallback, shown with the guard "else".
 */
function transitionsOf(node: AnyStateNode): { event: string; transition: AnyTransitionDefinition; fallback: boolean }[] {
  const labels = eventLabels(node);
  const out: { event: string; transition: AnyTransitionDefinition; fallback: boolean }[] = [];
  const add = (event: string, transitions: readonly AnyTransitionDefinition[]) =>
    transitions.forEach((transition, i) => out.push({ event, transition, fallback: !transition.guard && transitions.slice(0, i).some((t) => !!t.guard) }));
  for (const [eventType, transitions] of node.transitions ?? new Map<string, AnyTransitionDefinition[]>()) add(labels.get(eventType) ?? eventType, transitions);
  add(ALWAYS, node.always ?? []);
  return out;
}

/**
 * The machine's transitions, walked generically: those that go somewhere (deduplicated: one edge per source,
 * target and label), and those without a target, which stay in their state.
 */
export function statechartTransitions(machine: AnyStateMachine, options: StatechartOptions = {}): { edges: DiagramEdge[]; internal: InternalTransition[] } {
  const withGuards = options.guards ?? true;
  const edges: DiagramEdge[] = [];
  const internal: InternalTransition[] = [];
  const seenEdges = new Set<string>();
  const seenInternal = new Set<string>();
  for (const node of allNodes(machine.root)) {
    for (const { event, transition, fallback } of transitionsOf(node)) {
      const guard = withGuards ? (fallback ? 'else' : describeGuard(transition.guard)) : null;
      const targets = transition.target ?? [];
      if (targets.length === 0) {
        const key = JSON.stringify([node.id, event, guard]);
        if (!seenInternal.has(key)) {
          seenInternal.add(key);
          internal.push({ state: node.id, event, guard });
        }
        continue;
      }
      const label = guard ? `${event} [${guard}]` : event;
      for (const target of targets) {
        const key = JSON.stringify([node.id, target.id, label]);
        if (seenEdges.has(key)) continue;
        seenEdges.add(key);
        edges.push({ source: node.id, target: target.id, label });
      }
    }
  }
  return { edges, internal };
}

/** Mermaid ids allow letters, digits and underscores only; XState ids map to distinct ones. */
function idMapper(): (xstateId: string) => string {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  return (xstateId) => {
    const known = ids.get(xstateId);
    if (known) return known;
    const base = xstateId.replace(/[^A-Za-z0-9_]/g, '_') || 'state';
    let id = base;
    for (let n = 2; used.has(id); n += 1) id = `${base}_${n}`;
    ids.set(xstateId, id);
    used.add(id);
    return id;
  };
}

/** Mermaid ends a transition label at ":" or ";" and reads "#" as the start of an entity; quotes end a name. */
const labelText = (text: string) => text.replace(/[:;]/g, ' ').replace(/#/g, '').replace(/"/g, "'").replace(/\s+/g, ' ').trim();

/**
 * The machine as a Mermaid `stateDiagram-v2`: compound states as nested composite states, each with its initial
 * arrow; parallel states with their regions side by side; final states with an arrow to the end; every
 * transition that changes the state labelled by its event (eventless ones "[always]") and, by default, its guard.
 * Transitions without a target are left out of the picture (see `statechartTransitions(...).internal`).
 */
export function statechartMermaid(machine: AnyStateMachine, options: StatechartOptions = {}): string {
  const id = idMapper();
  const lines: string[] = ['stateDiagram-v2'];
  const emit = (depth: number, line: string) => lines.push(`${'  '.repeat(depth)}${line}`);

  const declare = (node: AnyStateNode, depth: number): void => {
    const name = node.type === 'history' ? (node.history === 'deep' ? 'H*' : 'H') : node.key;
    const head = `state "${labelText(name)}" as ${id(node.id)}`;
    const children = childrenOf(node);
    if (children.length === 0) {
      emit(depth, head);
      return;
    }
    emit(depth, `${head} {`);
    body(node, depth + 1);
    emit(depth, '}');
  };

  /** The inside of a compound or parallel node: initial arrow, children, final-state arrows. */
  const body = (node: AnyStateNode, depth: number): void => {
    const children = childrenOf(node);
    if (node.type === 'parallel') {
      children.forEach((child, i) => {
        if (i > 0) emit(depth, '--');
        declare(child, depth);
      });
      return;
    }
    for (const target of node.initial?.target ?? []) emit(depth, `[*] --> ${id(target.id)}`);
    for (const child of children) declare(child, depth);
    for (const child of children) if (child.type === 'final') emit(depth, `${id(child.id)} --> [*]`);
  };

  const root = machine.root;
  if (root.type === 'parallel' || childrenOf(root).length === 0) {
    // Regions need an enclosing composite state; so does a machine of one state.
    emit(1, `[*] --> ${id(root.id)}`);
    declare(root, 1);
  } else {
    body(root, 1);
  }
  for (const edge of statechartTransitions(machine, options).edges) {
    emit(1, `${id(edge.source)} --> ${id(edge.target)} : ${labelText(edge.label)}`);
  }
  return `${lines.join('\n')}\n`;
}
