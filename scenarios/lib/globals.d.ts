// Globals k6 provides that @types/k6 does not declare (k6 has `console`; lib "dom" would drag in far more).
declare const console: {
  log(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
};
