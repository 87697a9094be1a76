/**
 * `JSON.stringify` for log payloads that never throws: `JSON.parse` accepts nesting deeper than
 * `JSON.stringify` can write back (it recurses), and a log write must not fail a request.
 */
export function stringifyForLog(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch (error) {
    return `[not serialisable: ${error instanceof Error ? error.message : String(error)}]`;
  }
}
