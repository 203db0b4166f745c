/** How much one upload may bring in; createApp may lower each limit, never raise or remove it. */
export interface UploadLimits {
  /** One file: 4 GiB (a large mbox export); ZIP members are bounded again by the ingest's own limits. */
  fileBytes: number;
  /** All files of one upload together. */
  totalBytes: number;
  /** Files in one upload. */
  files: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = { fileBytes: 4 * 1024 ** 3, totalBytes: 8 * 1024 ** 3, files: 200 };
