// Worker entry: registers tsx so the TypeScript worker body loads however the parent was started
// (`node --import tsx`, `npx spamcase`, tests).
import { register } from 'tsx/esm/api';

register();
await import('./analyzed-source-worker.ts');
