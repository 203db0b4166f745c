/**
 * Pages are rendered on the server from templates/web/*.njk (Nunjucks, autoescaping on: every value
 * is HTML-escaped unless a template says otherwise, which none does for message content).
 */
import path from 'node:path';
import nunjucks from 'nunjucks';
import { PROJECT_ROOT } from '../config.ts';

export const TEMPLATE_DIR = path.join(PROJECT_ROOT, 'templates', 'web');

export function createTemplates(): nunjucks.Environment {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(TEMPLATE_DIR, { noCache: false }), {
    autoescape: true,
    throwOnUndefined: false,
    trimBlocks: true,
    lstripBlocks: true,
  });
  return env;
}
