/** The npm package name, as sent in `context.library.name` and user agents. */
export const LIBRARY_NAME = 'loyalty-cdp';

/** The package version (kept equal to package.json's by a test). */
export const VERSION = '0.1.0';
