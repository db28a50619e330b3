// The embedded engine's script runtime (see README.md): load a k6 script, create VUs, run iterations.
export { loadProgram, type LoadOptions, type Program, type VU, type IterationContext, type RegistryLike } from './program.ts';
export { ScriptError, TestAbortError, UnsupportedApiError } from './errors.ts';
export type { GroupNode, CheckNode } from './group-tree.ts';
export type { InstanceInfo } from './host.ts';
