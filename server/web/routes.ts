/**
 * THE route table: every route of the app (buildRoutes), with its access level. The app registers exactly these
 * (app.ts), and the access-control test walks them, so a route cannot be added without being
 * checked. A new page is one more array here,
 * with its row in test/web/access-control.test.ts.
 */
import type nunjucks from 'nunjucks';
import type { RouteDef } from './http.ts';
import type { LoginThrottle } from './throttle.ts';
import type { UploadJobRunner } from './upload-jobs.ts';
import type { ExportJobRunner } from './export-jobs.ts';
import type { AttributionJobRunner } from './attribution-jobs.ts';
import type { UploadLimits } from './upload-limits.ts';
import type { CaseFigures } from '../usecases/case-figures.ts';
import { authRoutes } from './routes/auth.ts';
import { caseRoutes } from './routes/cases.ts';
import { casePageRoutes } from './routes/case-pages.ts';
import { itemRoutes } from './routes/items.ts';
import { uploadRoutes } from './routes/uploads.ts';
import { attributionRoutes } from './routes/attribution.ts';
import { campaignRoutes } from './routes/campaigns.ts';
import { damagesRoutes } from './routes/damages.ts';
import { exportRoutes } from './routes/exports.ts';
import { subpoenaRoutes } from './routes/subpoena.ts';
import { labelRoutes } from './routes/labels.ts';
import { partyRoutes } from './routes/parties.ts';
import { logRoutes } from './routes/logs.ts';

export interface WebDeps {
  templates: nunjucks.Environment;
  jobs: UploadJobRunner;
  exportJobs: ExportJobRunner;
  attributionJobs: AttributionJobRunner;
  throttle: LoginThrottle;
  log: (entry: Record<string, unknown>) => void;
  uploadLimits: UploadLimits;
  /** The dashboard, damages and defendant suggestions, per custody head (one cache per app). */
  figures: CaseFigures;
}

/** The app's routes, bound to its dependencies (createApp calls this once per app). */
export function buildRoutes(d: WebDeps): RouteDef[] {
  const deps = () => d;
  return [
    ...caseRoutes(deps),
    ...authRoutes(deps),
    ...casePageRoutes(deps),
    ...itemRoutes(deps),
    ...uploadRoutes(deps),
    ...attributionRoutes(deps),
    ...campaignRoutes(deps),
    ...damagesRoutes(deps),
    ...exportRoutes(deps),
    ...subpoenaRoutes(deps),
    ...labelRoutes(deps),
    ...partyRoutes(deps),
    ...logRoutes(deps),
  ];
}
