/**
 * Listening: startServer builds the app (app.ts) and serves it on host:port (port 0 picks a free
 * port, as the tests do). Closing stops accepting connections and waits for a running upload job.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from '../context.ts';
import { SpamcaseError } from '../errors.ts';
import { createApp, type AppOptions, type WebApp } from './app.ts';

export interface RunningServer {
  url: string;
  port: number;
  web: WebApp;
  close(): Promise<void>;
}

export async function startServer(
  ctx: Context,
  options: { host: string; port: number } & AppOptions,
): Promise<RunningServer> {
  const web = await createApp(ctx, options);
  const server = http.createServer(web.app);
  // Uploads of several GiB take long; idle sockets are still cut by headersTimeout/keepAliveTimeout.
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(
        new SpamcaseError('USAGE', `cannot listen on ${options.host}:${options.port}: ${err.message}`, { cause: err }),
      ),
    );
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/`,
    port,
    web,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await web.close();
    },
  };
}
