// Dashboard process entry under TypeScript (tests, `node --import tsx`, the CLI run from its sources): registers
// tsx, since a forked process is started without its parent's loader, then runs the dashboard process.
import { register } from 'tsx/esm/api';

register();
await import('./dashboard-process.ts');
