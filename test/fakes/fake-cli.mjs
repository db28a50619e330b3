#!/usr/bin/env node
// Stand-in for gcloud / kubectl / asmcli / istioctl in tests: appends {cli, argv, files} as one JSON line to
// $S2S_FAKE_DIR/log.jsonl and answers from the first matching rule of $S2S_FAKE_DIR/responses.json.
// Rule: { cli?, argv?: prefix of the arguments, includes?: arguments that must all be present,
//         stdout?, stderr?, exitCode?, once?: true (used up after one match) }. No match: exit 0, no output.
// Manifests the command reads (a file argument, or `-k DIR`'s kustomization.yaml) are copied into the log,
// because the deploy deletes nothing but may rewrite them on the next step.
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [cli, ...argv] = process.argv.slice(2);
const dir = process.env.S2S_FAKE_DIR;
if (!dir) {
  process.stderr.write(`fake ${cli}: S2S_FAKE_DIR is not set\n`);
  process.exit(90);
}

const files = {};
argv.forEach((arg, i) => {
  const path = argv[i - 1] === '-k' ? join(arg, 'kustomization.yaml') : arg;
  if ((argv[i - 1] === '-k' || /\.ya?ml$/.test(arg)) && existsSync(path) && statSync(path).isFile()) {
    files[path] = readFileSync(path, 'utf8');
  }
});
appendFileSync(join(dir, 'log.jsonl'), `${JSON.stringify({ cli, argv, files })}\n`);

const rulesPath = join(dir, 'responses.json');
const usedPath = join(dir, 'used.json');
const rules = existsSync(rulesPath) ? JSON.parse(readFileSync(rulesPath, 'utf8')) : [];
const used = existsSync(usedPath) ? JSON.parse(readFileSync(usedPath, 'utf8')) : [];

const matches = (rule) =>
  (rule.cli === undefined || rule.cli === cli) &&
  (rule.argv === undefined || rule.argv.every((a, i) => argv[i] === a)) &&
  (rule.includes === undefined || rule.includes.every((a) => argv.includes(a)));

const index = rules.findIndex((rule, i) => !(rule.once && used.includes(i)) && matches(rule));
if (index < 0) process.exit(0);
const rule = rules[index];
if (rule.once) writeFileSync(usedPath, JSON.stringify([...used, index]));
if (rule.stdout) process.stdout.write(rule.stdout);
if (rule.stderr) process.stderr.write(rule.stderr);
process.exit(rule.exitCode ?? 0);
