// The summary's root_group: groups and checks in first-seen order with pass/fail counts; ids are the md5 of the
// path, as in k6's handleSummary data ("" → d41d8cd98f00b204e9800998ecf8427e).
import { createHash } from 'node:crypto';

export interface CheckNode { name: string; path: string; id: string; passes: number; fails: number }
export interface GroupNode { name: string; path: string; id: string; groups: GroupNode[]; checks: CheckNode[] }

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

export class GroupTree {
  private readonly root: GroupNode = { name: '', path: '', id: md5(''), groups: [], checks: [] };
  private readonly groups = new Map<string, GroupNode>([['', this.root]]);
  private readonly checks = new Map<string, CheckNode>();

  /** The group at `path` ("::a::b"), created with its ancestors. */
  group(path: string): GroupNode {
    const found = this.groups.get(path);
    if (found) return found;
    const cut = path.lastIndexOf('::');
    const parent = this.group(cut <= 0 ? '' : path.slice(0, cut));
    const node: GroupNode = { name: path.slice(cut + 2), path, id: md5(path), groups: [], checks: [] };
    parent.groups.push(node);
    this.groups.set(path, node);
    return node;
  }

  addCheck(groupPath: string, name: string, passes: number, fails: number): void {
    const path = `${groupPath}::${name}`;
    let c = this.checks.get(path);
    if (!c) {
      c = { name, path, id: md5(path), passes: 0, fails: 0 };
      this.group(groupPath).checks.push(c);
      this.checks.set(path, c);
    }
    c.passes += passes;
    c.fails += fails;
  }

  /** A deep copy, safe to hand out. */
  snapshot(): GroupNode {
    return structuredClone(this.root);
  }
}
