// Lets @modelcontextprotocol/conformance 0.1.16 start on Node 20 (Debian 12): its bundle imports
// `globSync` from 'fs', which Node added in 22, and only its `tier-check` command calls it. This
// hook (node --import) hands the bundle an 'fs' with a globSync that says so; nothing else changes.
import { register } from 'node:module';

register('data:text/javascript,' + encodeURIComponent(`
export async function resolve(specifier, context, next) {
  if ((specifier === 'fs' || specifier === 'node:fs') &&
      context.parentURL && context.parentURL.includes('/@modelcontextprotocol/conformance/')) {
    return { url: 'data:text/javascript,' + encodeURIComponent(
      "import fs from 'node:fs'; export * from 'node:fs'; export default fs;" +
      "export function globSync() { throw new Error('fs.globSync needs Node 22 (conformance tier-check)'); }"),
      shortCircuit: true };
  }
  return next(specifier, context);
}`));
