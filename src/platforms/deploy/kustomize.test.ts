// The kustomize subset renderer: strategic merge as Kubernetes does it for maps and name-keyed lists,
// components and images, and loud errors for anything outside the subset.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderKustomization, strategicMerge } from './kustomize.ts';

describe('strategicMerge', () => {
  it.each([
    ['maps merge', { a: 1, b: { c: 2 } }, { b: { d: 3 } }, { a: 1, b: { c: 2, d: 3 } }],
    ['null deletes', { a: 1, b: 2 }, { b: null }, { a: 1 }],
    ['name-keyed lists merge by name', [{ name: 'x', v: 1 }, { name: 'y', v: 2 }], [{ name: 'y', v: 3 }, { name: 'z' }], [{ name: 'x', v: 1 }, { name: 'y', v: 3 }, { name: 'z' }]],
    ['other lists are replaced', ['a', 'b'], ['c'], ['c']],
    ['scalars are replaced', 1, 2, 2],
  ])('%s', (_name, base, patch, expected) => {
    expect(strategicMerge(base, patch)).toEqual(expected);
  });
});

describe('renderKustomization', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 's2s-kust-'));
    mkdirSync(join(dir, 'base'));
    mkdirSync(join(dir, 'comp'));
    writeFileSync(join(dir, 'base', 'kustomization.yaml'), 'resources:\n  - app.yaml\n');
    writeFileSync(
      join(dir, 'base', 'app.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: s2s-app\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n',
    );
    writeFileSync(join(dir, 'comp', 'kustomization.yaml'), 'kind: Component\nresources:\n  - extra.yaml\npatches:\n  - path: label.yaml\n');
    writeFileSync(join(dir, 'comp', 'extra.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n');
    writeFileSync(join(dir, 'comp', 'label.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n  labels:\n    mesh: "on"\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('applies resources, components, patches and images, namespaces first', () => {
    const out = renderKustomization(dir, { resources: ['base'], components: ['comp'], images: [{ name: 's2s-app', newName: 'reg/app', newTag: 't9' }] });
    expect(out.map((o) => o.kind)).toEqual(['Namespace', 'ConfigMap', 'Deployment']);
    expect(out[0]!.metadata['labels']).toEqual({ mesh: 'on' });
    expect(JSON.stringify(out[2])).toContain('"image":"reg/app:t9"');
  });

  it.each([
    ['an unsupported field', () => writeFileSync(join(dir, 'base', 'kustomization.yaml'), 'namePrefix: x-\nresources: [app.yaml]\n'), /field "namePrefix" is outside the subset/],
    ['a patch with no target', () => writeFileSync(join(dir, 'comp', 'label.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: other\n'), /targets Namespace\/other, which no resource defines/],
    ['a missing resource', () => writeFileSync(join(dir, 'base', 'kustomization.yaml'), 'resources: [nope.yaml]\n'), /nope.yaml does not exist/],
    ['a duplicate object', () => writeFileSync(join(dir, 'comp', 'extra.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n'), /Namespace\/\/ns is defined twice/],
  ])('rejects %s', (_name, breakIt, message) => {
    breakIt();
    expect(() => renderKustomization(dir, { resources: ['base'], components: ['comp'] })).toThrow(message);
  });
});
