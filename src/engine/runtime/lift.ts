// The sync→suspendable transform: k6's synchronous API (http.get, sleep, http.batch …) on V8's JIT without
// blocking a thread. Every script function that makes calls becomes a generator driven by `__s2s_r` (see
// suspend.ts): it runs synchronously until a call returns a Suspension (a native that must wait: a request, a
// timer), then yields it and resumes when it settles. A function that never meets a Suspension returns its value
// synchronously, so callbacks handed to natives (JSON.parse revivers, Array methods) keep working; the Array
// methods that call back (map, forEach, filter, reduce, sort, find, some, every …) are dispatched at run time to
// replacements that understand Suspensions. Async functions keep their semantics: a call there that returns a
// Suspension is awaited, a real promise is left alone (Promise.all over http.asyncRequest stays concurrent).
// Every loop body starts with a check of the VU's stop cell, so a hard stop reaches a busy loop.
//
// Left as they are (documented in README.md): getters/setters, constructors, generators, functions using
// `super`, `new.target` or (arrows) `arguments`, calls in parameter defaults, a call in the middle of an optional
// chain. A Suspension reaching such code is a value, not a wait.
//
// Edits never add or remove a newline, so bundle line numbers (and the source map built on them) stay valid.
import * as acorn from 'acorn';
import MagicString from 'magic-string';

/** Array (and Map/Set forEach) methods whose callbacks may suspend: routed through `__s2s_cb`. */
export const CALLBACK_METHODS = new Set([
  'map', 'forEach', 'filter', 'reduce', 'reduceRight', 'sort', 'find', 'findIndex', 'findLast', 'findLastIndex',
  'some', 'every', 'flatMap',
]);

/** Globals whose methods never call back into the script in a way that could suspend: their calls stay as they are. */
const SYNC_OBJECTS = new Set(['Math', 'JSON', 'Object', 'Date', 'Number', 'String', 'console', 'Atomics', 'Reflect', 'Symbol', 'BigInt']);

/** Free identifiers that are per VU: rewritten to properties of the VU's own `__s2s` object. */
const VU_GLOBALS = new Set(['__VU', '__ITER', '__ENV']);

type Node = acorn.Node & Record<string, any>;

/** `Math.floor(x)`, `JSON.stringify(v)`, `__s2s.halt()`: calls that cannot return a Suspension. */
function isKnownSync(call: Node): boolean {
  const c = call.callee as Node;
  if (c.type === 'Identifier') return c.name === 'String' || c.name === 'Number' || c.name === 'Boolean' || c.name === 'parseInt' || c.name === 'parseFloat';
  return c.type === 'MemberExpression' && c.object.type === 'Identifier' && (SYNC_OBJECTS.has(c.object.name) || c.object.name === '__s2s');
}
type Mode = 'lifted' | 'async' | 'plain';

const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);
const LOOP_TYPES = new Set(['ForStatement', 'ForInStatement', 'ForOfStatement', 'WhileStatement', 'DoWhileStatement']);
const STOP_CHECK = 'if (__s2s_al(__s2s_h, 0) !== 0) __s2s.halt(); ';

export interface LiftStats {
  lifted: number;
  asyncFns: number;
  plain: number;
  calls: number;
  loops: number;
}

function children(node: Node): Node[] {
  const out: Node[] = [];
  for (const key of Object.keys(node)) {
    if (key === 'type' || key === 'start' || key === 'end' || key === 'loc' || key === 'range') continue;
    const v = node[key];
    if (Array.isArray(v)) {
      for (const c of v) if (c && typeof c.type === 'string') out.push(c as Node);
    } else if (v && typeof v === 'object' && typeof v.type === 'string') out.push(v as Node);
  }
  return out;
}

/**
 * Facts about a function's own body (nested non-arrow functions excluded): does it make calls (else it cannot
 * suspend and stays as it is), and does it use what a generator body cannot carry over (`super`, `new.target`,
 * and for an arrow `arguments`, which inside the generator would name the generator's own).
 */
function scanOwnBody(fn: Node): { calls: boolean; blockers: boolean } {
  let calls = false;
  let blockers = false;
  const isArrow = fn.type === 'ArrowFunctionExpression';
  const visit = (n: Node, nested: boolean): void => {
    if (n !== fn && FUNCTION_TYPES.has(n.type)) {
      if (n.type !== 'ArrowFunctionExpression') return;
      nested = true;
    }
    if (!nested && ((n.type === 'CallExpression' && !isKnownSync(n)) || n.type === 'TaggedTemplateExpression')) calls = true;
    if (n.type === 'Super' || n.type === 'MetaProperty') blockers = true;
    if (isArrow && n.type === 'Identifier' && n.name === 'arguments') blockers = true;
    for (const c of children(n)) visit(c, nested);
  };
  visit(fn.body as Node, false);
  return { calls, blockers };
}

/**
 * Rewrites a CommonJS bundle (esbuild's output) so that synchronous k6 calls suspend instead of block.
 * The result expects, in scope: `__s2s` (the VU), `__s2s_r` (run), `__s2s_S` (Suspension), `__s2s_cb`
 * (callback-method dispatch), `__s2s_al` (Atomics.load) and `__s2s_h` (the VU's stop cell).
 */
export function liftScript(code: string): { code: string; stats: LiftStats } {
  const ast = acorn.parse(code, { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: true, allowHashBang: true }) as Node;
  const s = new MagicString(code);
  const stats: LiftStats = { lifted: 0, asyncFns: 0, plain: 0, calls: 0, loops: 0 };

  const modeOf = (fn: Node, parent: Node | null): Mode => {
    if (fn.generator) return 'plain';
    if (parent && (parent.type === 'MethodDefinition' || parent.type === 'Property') && parent.value === fn) {
      if (parent.kind === 'get' || parent.kind === 'set' || parent.kind === 'constructor') return 'plain';
    }
    const { calls, blockers } = scanOwnBody(fn);
    if (blockers && !fn.async) return 'plain';
    if (fn.async) return calls ? 'async' : 'plain';
    return calls ? 'lifted' : 'plain';
  };

  const wrapCall = (node: Node, mode: Mode): void => {
    stats.calls++;
    s.prependRight(node.start, '(__s2s_t = ');
    s.appendLeft(node.end, mode === 'lifted'
      ? ', __s2s_t instanceof __s2s_S ? yield __s2s_t : __s2s_t)'
      : ', __s2s_t instanceof __s2s_S ? await __s2s_t : __s2s_t)');
  };

  /** `obj.map(cb, …)` → `__s2s_cb(obj, "map", cb, …)`. */
  const routeCallbackMethod = (node: Node): void => {
    const callee = node.callee as Node;
    const first = (node.arguments as Node[])[0]!;
    s.prependRight(node.start, '__s2s_cb(');
    s.overwrite(callee.object.end, first.start, `, ${JSON.stringify(callee.property.name)}, `);
  };

  const isCallbackMethodCall = (node: Node): boolean => {
    const callee = node.callee as Node;
    return callee.type === 'MemberExpression' && !callee.computed && !callee.optional && !node.optional
      && callee.object.type !== 'Super' && callee.property.type === 'Identifier'
      && CALLBACK_METHODS.has(callee.property.name) && (node.arguments as Node[]).length > 0;
  };

  const chainHasCall = (n: Node): boolean => {
    // The chain's spine: callee / object links only.
    let cur: Node | undefined = n.expression as Node;
    while (cur) {
      if (cur.type === 'CallExpression') return true;
      cur = cur.type === 'MemberExpression' ? cur.object : undefined;
    }
    return false;
  };

  const arrowEnd = (fn: Node): number => code.lastIndexOf('=>', (fn.body as Node).start) + 2;

  const liftBody = (fn: Node, mode: Mode): void => {
    const body = fn.body as Node;
    if (mode === 'lifted') {
      stats.lifted++;
      const apply = fn.type === 'ArrowFunctionExpression' ? '.call(this)' : '.apply(this, arguments)';
      if (body.type === 'BlockStatement') {
        s.appendLeft(body.start + 1, ' return __s2s_r(function* () { let __s2s_t;');
        s.prependRight(body.end - 1, `}${apply}); `);
      } else {
        // An expression body may sit in parentheses: wrap from just after `=>` to the arrow's own end.
        s.prependRight(arrowEnd(fn), ` { return __s2s_r(function* () { let __s2s_t; return (`);
        s.appendLeft(fn.end, `); }${apply}); }`);
      }
    } else if (mode === 'async') {
      stats.asyncFns++;
      if (body.type === 'BlockStatement') s.appendLeft(body.start + 1, ' let __s2s_t;');
      else {
        s.prependRight(arrowEnd(fn), ' { let __s2s_t; return (');
        s.appendLeft(fn.end, '); }');
      }
    }
  };

  /** Post-order walk: children's edits first, so an enclosing node's prefix lands before theirs. */
  const walk = (node: Node, mode: Mode | 'top', parent: Node | null, inChain: boolean): void => {
    if (FUNCTION_TYPES.has(node.type)) {
      const m = modeOf(node, parent);
      if (m === 'plain') stats.plain++;
      for (const p of node.params as Node[]) walk(p, 'plain', node, false);
      if (node.id) walk(node.id as Node, 'plain', node, false);
      walk(node.body as Node, m, node, false);
      liftBody(node, m);
      return;
    }
    if (node.type === 'Identifier') {
      if (VU_GLOBALS.has(node.name)) s.overwrite(node.start, node.end, `__s2s.${node.name.slice(2)}`);
      return;
    }
    // Names that are not references.
    if (node.type === 'MemberExpression') {
      walk(node.object as Node, mode, node, inChain);
      if (node.computed) walk(node.property as Node, mode, node, false);
      return;
    }
    if (node.type === 'Property' || node.type === 'MethodDefinition' || node.type === 'PropertyDefinition') {
      if (node.computed) walk(node.key as Node, mode, node, false);
      // A class field's initializer runs in the instance's own context: no yield/await there.
      const valueMode = node.type === 'PropertyDefinition' ? 'plain' : mode;
      if (node.value && !(node.type === 'Property' && node.shorthand)) walk(node.value as Node, valueMode, node, false);
      return;
    }
    if (node.type === 'StaticBlock') {
      for (const c of children(node)) walk(c, 'plain', node, false);
      return;
    }
    if (node.type === 'LabeledStatement') {
      walk(node.body as Node, mode, node, false);
      return;
    }
    if (node.type === 'BreakStatement' || node.type === 'ContinueStatement') return;
    if (node.type === 'ChainExpression') {
      walk(node.expression as Node, mode, node, true);
      if ((mode === 'lifted' || mode === 'async') && chainHasCall(node)) wrapCall(node, mode);
      return;
    }
    if (node.type === 'CallExpression') {
      walk(node.callee as Node, mode, node, inChain);
      for (const a of node.arguments as Node[]) walk(a, mode, node, false);
      if (mode === 'lifted' || mode === 'async') {
        if (!inChain && isCallbackMethodCall(node)) routeCallbackMethod(node);
        // Calls inside an optional chain are wrapped as one, at the ChainExpression.
        if (!inChain && node.callee.type !== 'Super' && !isKnownSync(node)) wrapCall(node, mode);
      }
      return;
    }
    for (const c of children(node)) walk(c, mode, node, inChain && (node.type === 'CallExpression' || node.type === 'MemberExpression'));
    if (LOOP_TYPES.has(node.type)) {
      stats.loops++;
      const body = node.body as Node;
      if (body.type === 'BlockStatement') s.prependRight(body.start + 1, ` ${STOP_CHECK}`);
      else {
        s.prependRight(body.start, `{ ${STOP_CHECK}`);
        s.appendLeft(body.end, ' }');
      }
    }
  };
  walk(ast, 'top', null, false);
  return { code: s.toString(), stats };
}
