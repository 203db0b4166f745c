/**
 * The stages of exportBundle (bundle.ts), in order, reported through ExportOptions.onStage. Each is
 * reported before the work it names starts ('items' after each page of items written).
 */
export const EXPORT_STAGES = ['items', 'tables', 'pdf', 'sign', 'finish', 'rename'] as const;
export type ExportStage = (typeof EXPORT_STAGES)[number];
