/**
 * Uploads: several files in one multipart form, streamed to disk by busboy (never held in memory),
 * each bounded by named limits, then ingested by a background job (upload-jobs.ts). The CSRF token
 * must be the form's first field: it is checked before a single file byte is written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import busboy from 'busboy';
import type { RouteDef } from '../http.ts';
import type { WebDeps } from '../routes.ts';
import { SpamcaseError } from '../../errors.ts';
import { ACQUISITION_METHODS, cleanFileName, NOTES_MAX } from '../../usecases/ingest.ts';
import { parseInput } from '../../usecases/input.ts';
import { ingestInput } from '../../usecases/ingest.ts';
import { resolveParty } from '../../cases/cases.ts';
import { checkCsrfToken } from '../security.ts';
import { getUploadJob, listUploadJobs, uploadDir, type UploadedFile } from '../upload-jobs.ts';
import { listRejections } from '../../report/lists.ts';
import { renderPage } from './common.ts';

/** What an upload may be: email files, mailboxes, archives (the ingest reads the content, not the name). */
export const UPLOAD_EXTENSIONS = ['.eml', '.msg', '.txt', '.mbox', '.mbx', '.zip', '.gz'];

function safeName(name: string): string {
  const base = path
    .basename(name.replace(/\\/g, '/'))
    .replace(/[^\w.@+-]/g, '_')
    .slice(-150);
  return base && base !== '.' && base !== '..' ? base : 'upload';
}

export function uploadRoutes(deps: () => WebDeps): RouteDef[] {
  return [
    {
      method: 'GET',
      path: '/cases/:slug/upload',
      access: 'case-write',
      async handler(_req, res, state) {
        const c = state.access!.record;
        const jobs = await listUploadJobs(state.ctx.db.knex, c.id);
        renderPage(deps().templates, res, state, 'upload.njk', {
          jobs,
          methods: ACQUISITION_METHODS,
          extensions: UPLOAD_EXTENSIONS.join(', '),
          limits: deps().uploadLimits,
          section: 'upload',
        });
      },
    },
    {
      method: 'POST',
      path: '/cases/:slug/uploads',
      access: 'case-write',
      multipart: true,
      async handler(req, res, state) {
        const c = state.access!.record;
        const limits = deps().uploadLimits;
        const knex = state.ctx.db.knex;
        const now = state.ctx.clock();
        const [row] = (await knex('upload_jobs').insert(
          {
            case_id: c.id,
            created_by: state.user!.username,
            party: '',
            method: 'trap',
            files: '[]',
            status: 'receiving',
            acquisition_ids: '[]',
            created_at: now.toISOString(),
          },
          ['id'],
        )) as Array<{ id: number } | number>;
        const jobId = typeof row === 'object' ? Number(row.id) : Number(row);
        const folder = path.join(uploadDir(state.ctx, c.slug), String(jobId));
        fs.mkdirSync(folder, { recursive: true });
        const fields: Record<string, string> = {};
        const files: UploadedFile[] = [];
        let total = 0;
        let csrfChecked = req.headers['x-csrf-token'] !== undefined;
        try {
          await new Promise<void>((resolve, reject) => {
            let bb: busboy.Busboy;
            try {
              bb = busboy({
                headers: req.headers,
                // Browsers send a file's name as UTF-8 bytes ("Réclamation.eml"); busboy reads latin1 by default.
                defParamCharset: 'utf8',
                limits: {
                  fileSize: limits.fileBytes,
                  files: limits.files,
                  fields: 20,
                  // Notes hold NOTES_MAX characters, up to 4 bytes each in UTF-8.
                  fieldSize: NOTES_MAX * 4 + 64,
                  parts: limits.files + 20,
                },
              });
            } catch (err) {
              reject(new SpamcaseError('INVALID_INPUT', 'expected a multipart form', { cause: err }));
              return;
            }
            const writes: Array<Promise<void>> = [];
            let failed = false;
            const fail = (err: unknown) => {
              if (failed) return;
              failed = true;
              req.unpipe(bb);
              req.resume();
              reject(err);
            };
            bb.on('field', (name, value, info) => {
              if (info.valueTruncated)
                return fail(new SpamcaseError('LIMIT_EXCEEDED', `${name} is too long for this form`));
              if (!csrfChecked) {
                if (name !== '_csrf') return fail(new SpamcaseError('CSRF_REJECTED', 'the form token must come first'));
                try {
                  checkCsrfToken(state.session, value);
                } catch (err) {
                  return fail(err);
                }
                csrfChecked = true;
                return;
              }
              fields[name] = value;
            });
            bb.on('file', (_name, stream, info) => {
              if (failed || !csrfChecked) {
                stream.resume();
                return fail(new SpamcaseError('CSRF_REJECTED', 'the form token must come before the files'));
              }
              if (!info.filename) {
                stream.resume();
                return;
              }
              const ext = path.extname(info.filename).toLowerCase();
              if (!UPLOAD_EXTENSIONS.includes(ext)) {
                stream.resume();
                return fail(
                  new SpamcaseError(
                    'INVALID_INPUT',
                    `${info.filename}: only ${UPLOAD_EXTENSIONS.join(', ')} files can be uploaded`,
                  ),
                );
              }
              const dir = path.join(folder, String(files.length + 1));
              fs.mkdirSync(dir);
              const file: UploadedFile = {
                // The browser's name for the file, kept and shown; the copy on disk has a name of ours.
                name: cleanFileName(info.filename),
                path: path.join(dir, safeName(info.filename)),
                bytes: 0,
              };
              files.push(file);
              const counter = new Transform({
                transform(chunk: Buffer, _enc, cb) {
                  file.bytes += chunk.length;
                  total += chunk.length;
                  if (total > limits.totalBytes)
                    cb(
                      new SpamcaseError('LIMIT_EXCEEDED', `an upload holds at most ${limits.totalBytes} bytes in all`),
                    );
                  else cb(null, chunk);
                },
              });
              stream.on('limit', () =>
                fail(
                  new SpamcaseError(
                    'LIMIT_EXCEEDED',
                    `${info.filename}: a file may hold at most ${limits.fileBytes} bytes`,
                  ),
                ),
              );
              writes.push(
                pipeline(stream, counter, fs.createWriteStream(file.path, { flags: 'wx' })).catch((err: unknown) =>
                  fail(err),
                ),
              );
            });
            bb.on('filesLimit', () =>
              fail(new SpamcaseError('LIMIT_EXCEEDED', `an upload holds at most ${limits.files} files`)),
            );
            bb.on('error', (err) =>
              fail(
                new SpamcaseError('INVALID_INPUT', 'the upload was cut short or is not a valid form', { cause: err }),
              ),
            );
            bb.on('close', () => {
              void Promise.all(writes).then(() => {
                if (!failed) resolve();
              });
            });
            req.pipe(bb);
          });
          if (!csrfChecked)
            throw new SpamcaseError('CSRF_REJECTED', 'this form has expired: reload the page and try again');
          if (files.length === 0) throw new SpamcaseError('INVALID_INPUT', 'choose at least one file to upload');
          const input = parseInput(ingestInput, {
            case: c.slug,
            party: fields.party,
            method: fields.method || undefined,
            custodian: fields.custodian,
            notes: fields.notes,
            paths: files.map((f) => f.path),
          });
          const method = input.method;
          const party = resolveParty(c, input.party);
          await knex('upload_jobs')
            .where({ id: jobId })
            .update({
              party: party.name,
              method,
              status: 'queued',
              files: JSON.stringify(files.map((f) => ({ name: f.name, bytes: f.bytes }))),
            });
          await deps().jobs.submit(state.ctx, {
            caseId: c.id,
            caseSlug: c.slug,
            createdBy: state.user!.username,
            party: party.name,
            method,
            files,
            folder,
            jobId,
            provenance: { custodian: input.custodian, notes: input.notes },
          });
        } catch (err) {
          fs.rmSync(folder, { recursive: true, force: true });
          await knex('upload_jobs').where({ id: jobId }).delete();
          throw err;
        }
        if (String(req.headers.accept ?? '').includes('application/json'))
          res.status(202).json({ job: jobId, url: `/cases/${c.slug}/uploads/${jobId}` });
        else res.redirect(303, `/cases/${c.slug}/uploads/${jobId}`);
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/uploads/:job',
      access: 'case-read',
      async handler(req, res, state) {
        const c = state.access!.record;
        const job = await getUploadJob(state.ctx.db.knex, c.id, Number(req.params.job));
        if (!job) throw new SpamcaseError('NOT_FOUND', 'no such upload');
        const rejections = await listRejections(state.ctx.db.knex, c.id, {
          acquisitionIds: job.acquisitionIds,
          limit: 100,
        });
        renderPage(deps().templates, res, state, 'upload-job.njk', {
          job,
          rejections: rejections.rows,
          section: 'upload',
        });
      },
    },
    {
      method: 'GET',
      path: '/api/cases/:slug/uploads/:job',
      access: 'case-read',
      async handler(req, res, state) {
        const c = state.access!.record;
        const job = await getUploadJob(state.ctx.db.knex, c.id, Number(req.params.job));
        if (!job) throw new SpamcaseError('NOT_FOUND', 'no such upload');
        const rejections = await listRejections(state.ctx.db.knex, c.id, {
          acquisitionIds: job.acquisitionIds,
          limit: 100,
        });
        res.json({ ...job, rejections: rejections.rows.map((r) => ({ locator: r.locator, reason: r.reason })) });
      },
    },
  ];
}
