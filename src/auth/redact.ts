// Removes credentials from any text before it reaches a log line, an error body or a file:
// JWTs (google-auth-library embeds whole tokens in its error messages) and Authorization values.

/** A JWS in compact form: base64url header starting with `{"` (eyJ), payload, signature (maybe empty). */
const JWT_PATTERN = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?/g;
/**
 * `Bearer <credential>` as it appears in headers or dumped request options. A credential never starts with
 * `<` (a placeholder in help text: "Bearer <ID token>") or `[` (already redacted), so those stay readable.
 */
const BEARER_PATTERN = /(Bearer\s+)(?![<[])[^\s"',;]+/gi;

export const REDACTED = '[redacted]';

/** The text with every JWT-shaped string and every bearer credential replaced by `[redacted]`. */
export function redact(text: string): string {
  return text.replace(JWT_PATTERN, REDACTED).replace(BEARER_PATTERN, `$1${REDACTED}`);
}

/** A one-line, redacted description of anything thrown (message only, never a stack). */
export function redactError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return redact(message.replace(/\s+/g, ' ').trim());
}
