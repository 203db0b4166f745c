/**
 * Exports: build an evidence bundle or a PDF summary as a background job (export-jobs.ts), see the
 * earlier exports with their SHA-256 (listExports), download them as attachments, and upload a
 * bundle to verify it (verifyBundle, then recordVerification when the bundle is this case's).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import busboy from 'busboy';
import type { RequestState, RouteDef } from '../http.ts';
import type { WebDeps } from '../routes.ts';
import { caseDir } from '../../context.ts';
import { listExports } from '../../export/bundle.ts';
import { verifyAndRecord } from '../../usecases/verify.ts';
import { parseInput } from '../../usecases/input.ts';
import { exportJobInput } from '../../usecases/exports.ts';
import { formInput } from '../fields.ts';
import { SpamcaseError } from '../../errors.ts';
import { LANGS } from '../../users/users.ts';
import { checkCsrfToken } from '../security.ts';
import { exportsDir, listSummaries, PDF_NAME, summariesDir, type ExportJob } from '../export-jobs.ts';
import { attachmentFilename, renderPage } from './common.ts';

/** Bundle names the server writes (export-jobs.ts); a recorded export with another name was written elsewhere (CLI). */
const BUNDLE_NAME = /^[a-z0-9][a-z0-9-]{0,62}-bundle-\d{8}T\d{6}Z-\d{1,9}\.zip$/;

function jobView(j: ExportJob) {
  return {
    id: j.id,
    kind: j.kind,
    lang: j.lang,
    status: j.status,
    createdBy: j.createdBy,
    createdAt: j.createdAt,
    startedAt: j.startedAt,
    finishedAt: j.finishedAt,
    error: j.error,
    problem: j.problem,
    fileName: j.fileName,
    bytes: j.bytes,
    sha256: j.sha256,
    exportId: j.exportId,
    warnings: j.warnings,
  };
}

async function sendFile(res: Response, file: string, name: string, type: string): Promise<void> {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st?.isFile()) throw new SpamcaseError('NOT_FOUND', 'this file is no longer in the case folder');
  res.setHeader('Content-Disposition', attachmentFilename(name));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Length', String(st.size));
  res.type(type);
  await pipeline(fs.createReadStream(file), res);
}

/** Read a multipart form whose first field is the CSRF token and whose one file goes to `dest`. */
/** A certificate (PEM or DER) is a few kilobytes; a chain of several stays well under this. */
const MAX_CERT_BYTES = 256 * 1024;
/** A SHA-256 fingerprint with colons is 95 characters. */
const MAX_FINGERPRINT_CHARS = 200;

interface VerifyUpload {
  name: string;
  bytes: number;
  /** The organization's certificate, when one was uploaded with the bundle (field `cert`). */
  cert: Buffer | null;
  /** A pinned SHA-256 fingerprint, when typed (field `fingerprint`). */
  fingerprint: string | null;
}

async function receiveOneFile(
  req: Request,
  state: RequestState,
  dest: string,
  maxBytes: number,
): Promise<VerifyUpload> {
  let csrfChecked = req.headers['x-csrf-token'] !== undefined;
  let got: { name: string; bytes: number } | null = null;
  let cert: Buffer | null = null;
  let fingerprint: string | null = null;
  await new Promise<void>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        limits: { fileSize: maxBytes, files: 2, fields: 5, fieldSize: 4096, parts: 7 },
      });
    } catch (err) {
      reject(new SpamcaseError('INVALID_INPUT', 'expected a multipart form', { cause: err }));
      return;
    }
    let failed = false;
    let write: Promise<void> = Promise.resolve();
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      req.resume();
      reject(err);
    };
    bb.on('field', (name, value) => {
      if (csrfChecked && name === 'fingerprint') {
        const v = value.trim();
        if (v.length > MAX_FINGERPRINT_CHARS)
          return fail(new SpamcaseError('INVALID_INPUT', 'the fingerprint is too long', { field: 'fingerprint' }));
        if (v !== '') fingerprint = v;
        return;
      }
      if (csrfChecked) return;
      if (name !== '_csrf') return fail(new SpamcaseError('CSRF_REJECTED', 'the form token must come first'));
      try {
        checkCsrfToken(state.session, value);
        csrfChecked = true;
      } catch (err) {
        fail(err);
      }
    });
    bb.on('file', (_name, stream, info) => {
      if (failed || !csrfChecked) {
        stream.resume();
        return fail(new SpamcaseError('CSRF_REJECTED', 'the form token must come before the file'));
      }
      if (_name === 'cert') {
        if (!info.filename) return void stream.resume();
        const chunks: Buffer[] = [];
        let size = 0;
        stream.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_CERT_BYTES)
            return fail(new SpamcaseError('LIMIT_EXCEEDED', `a certificate may hold at most ${MAX_CERT_BYTES} bytes`));
          chunks.push(chunk);
        });
        stream.on('end', () => {
          if (size > 0) cert = Buffer.concat(chunks);
        });
        return;
      }
      if (!info.filename || got) {
        stream.resume();
        return;
      }
      const file = { name: info.filename.slice(0, 300), bytes: 0 };
      got = file;
      stream.on('data', (chunk: Buffer) => (file.bytes += chunk.length));
      stream.on('limit', () =>
        fail(new SpamcaseError('LIMIT_EXCEEDED', `a bundle to verify may hold at most ${maxBytes} bytes`)),
      );
      write = pipeline(stream, fs.createWriteStream(dest, { flags: 'wx' })).catch((err: unknown) => fail(err));
    });
    bb.on('error', (err) =>
      fail(new SpamcaseError('INVALID_INPUT', 'the upload was cut short or is not a valid form', { cause: err })),
    );
    bb.on('close', () => {
      void write.then(() => {
        if (!failed) resolve();
      });
    });
    req.pipe(bb);
  });
  if (!csrfChecked) throw new SpamcaseError('CSRF_REJECTED', 'this form has expired: reload the page and try again');
  if (!got) throw new SpamcaseError('INVALID_INPUT', 'choose the bundle (.zip) to verify');
  return { ...(got as { name: string; bytes: number }), cert, fingerprint };
}

export function exportRoutes(deps: () => WebDeps): RouteDef[] {
  const exportsPage = async (res: Response, state: RequestState, vars: Record<string, unknown> = {}, status = 200) => {
    const c = state.access!.record;
    const recorded = await listExports(state.ctx.db.knex, c.id);
    const dir = exportsDir(state.ctx, c.slug);
    const bundles = recorded.map((e) => ({
      ...e,
      fileName: path.basename(e.fileName),
      here: BUNDLE_NAME.test(path.basename(e.fileName)) && fs.existsSync(path.join(dir, path.basename(e.fileName))),
    }));
    renderPage(
      deps().templates,
      res,
      state,
      'exports.njk',
      {
        bundles,
        summaries: listSummaries(state.ctx, c.slug),
        jobs: deps().exportJobs.list(c.id).map(jobView),
        langs: LANGS,
        signingReady: deps().exportJobs.signingReady(),
        verification: null,
        section: 'exports',
        ...vars,
      },
      status,
    );
  };
  return [
    {
      method: 'GET',
      path: '/cases/:slug/exports',
      access: 'case-read',
      async handler(_req, res, state) {
        await exportsPage(res, state);
      },
    },
    {
      method: 'GET',
      path: '/api/cases/:slug/exports',
      access: 'case-read',
      async handler(_req, res, state) {
        const c = state.access!.record;
        res.json({
          bundles: await listExports(state.ctx.db.knex, c.id),
          summaries: listSummaries(state.ctx, c.slug),
          jobs: deps().exportJobs.list(c.id).map(jobView),
        });
      },
    },
    {
      method: 'POST',
      path: '/cases/:slug/exports',
      access: 'case-write',
      async handler(req, res, state) {
        const c = state.access!.record;
        const form = formInput(req, ['kind', 'lang']);
        const { kind, lang } = parseInput(exportJobInput, { ...form, lang: form.lang || state.lang });
        const job = deps().exportJobs.submit(state.ctx, {
          caseId: c.id,
          caseSlug: c.slug,
          kind,
          lang,
          createdBy: state.user!.username,
        });
        if (String(req.headers.accept ?? '').includes('application/json'))
          res.status(202).json({ job: job.id, url: `/cases/${c.slug}/exports/jobs/${job.id}` });
        else res.redirect(303, `/cases/${c.slug}/exports/jobs/${job.id}`);
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/exports/jobs/:job',
      access: 'case-read',
      async handler(req, res, state) {
        const job = deps().exportJobs.get(state.access!.record.id, Number(req.params.job));
        if (!job) throw new SpamcaseError('NOT_FOUND', 'no such export job');
        renderPage(deps().templates, res, state, 'export-job.njk', { job: jobView(job), section: 'exports' });
      },
    },
    {
      method: 'GET',
      path: '/api/cases/:slug/exports/jobs/:job',
      access: 'case-read',
      async handler(req, res, state) {
        const job = deps().exportJobs.get(state.access!.record.id, Number(req.params.job));
        if (!job) throw new SpamcaseError('NOT_FOUND', 'no such export job');
        res.json(jobView(job));
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/exports/:id/bundle.zip',
      access: 'case-read',
      async handler(req, res, state) {
        const c = state.access!.record;
        const id = Number(req.params.id);
        const e = Number.isInteger(id)
          ? (await listExports(state.ctx.db.knex, c.id)).find((x) => x.id === id)
          : undefined;
        // The recorded name, reduced to a name the server makes, looked up in this case's folder only.
        const name = e ? path.basename(e.fileName) : '';
        if (!e || !BUNDLE_NAME.test(name)) throw new SpamcaseError('NOT_FOUND', 'no such bundle in the case folder');
        await sendFile(res, path.join(exportsDir(state.ctx, c.slug), name), name, 'application/zip');
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/exports/summaries/:name',
      access: 'case-read',
      async handler(req, res, state) {
        const c = state.access!.record;
        const name = String(req.params.name);
        if (!PDF_NAME.test(name) || !name.startsWith(`${c.slug}-summary-`))
          throw new SpamcaseError('NOT_FOUND', 'no such summary');
        const dir = summariesDir(state.ctx, c.slug);
        if (!fs.existsSync(dir) || !fs.readdirSync(dir).includes(name))
          throw new SpamcaseError('NOT_FOUND', 'no such summary');
        await sendFile(res, path.join(dir, name), name, 'application/pdf');
      },
    },
    {
      method: 'POST',
      path: '/cases/:slug/exports/verify',
      access: 'case-write',
      multipart: true,
      async handler(req, res, state) {
        const c = state.access!.record;
        const dir = path.join(caseDir(state.ctx, c.slug), 'verify');
        fs.mkdirSync(dir, { recursive: true });
        const temp = path.join(dir, `${crypto.randomUUID()}.zip`);
        try {
          const got = await receiveOneFile(req, state, temp, deps().uploadLimits.fileBytes);
          // The organization's certificate, when uploaded, is written beside the bundle for the check, removed after.
          const certFile = got.cert ? `${temp}.cert` : null;
          if (certFile) fs.writeFileSync(certFile, got.cert!, { flag: 'wx' });
          // Recorded only on this case: a bundle of another case is checked, not written into that case's log.
          const v = await verifyAndRecord(
            state.ctx,
            {
              file: temp,
              ...(certFile ? { cert: certFile } : {}),
              ...(got.fingerprint ? { fingerprint: got.fingerprint } : {}),
            },
            {
              onlyCase: c.slug,
              ownSigning: deps().exportJobs.signing(),
            },
          );
          const verification = {
            ...v.result,
            file: got.name,
            uploadedBytes: got.bytes,
            recordedOn: v.recordedOn,
            otherCase: v.otherCase,
          };
          if (String(req.headers.accept ?? '').includes('application/json')) res.status(200).json(verification);
          else await exportsPage(res, state, { verification });
        } finally {
          fs.rmSync(temp, { force: true });
          fs.rmSync(`${temp}.cert`, { force: true });
        }
      },
    },
  ];
}
