// client-node's Watch (watch.js, 2.0.1), ported (#14: memory). Its module imports STATUS_CODES from
// node:http as an ES module, which loads Node's bundled undici (see contracts/node-http.ts) for a table
// of status texts. It now sends with undici's request() instead of fetch() (#14: CPU, as
// kube-request.ts): the body is a Node stream as it comes, with no web stream between. The same
// watch: a GET with watch=true through the KubeAccess (credentials, TLS, the shared connection
// pool), one JSON event a line to `callback`, `done` called once when the stream ends or fails
// (with a TimeoutError after `requestTimeoutMs` without a byte), and the AbortController that ends it.
import { createInterface } from 'node:readline';
import { HttpMethod, RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import { request } from 'undici';
import { nodeHttp } from '../../contracts/node-http.ts';
import { authenticatedRequestOptions, type KubeAccess } from './kube-access.ts';

export type WatchCallback = (phase: string, apiObject: never, watchObj?: unknown) => void;
export type WatchDone = (error: unknown) => void;

const statusText = (status: number): string | undefined => nodeHttp.STATUS_CODES[status];

const timeoutError = () => new DOMException('The operation was aborted due to timeout', 'TimeoutError');

export class Watch {
  requestTimeoutMs = 30_000;
  private readonly config: KubeAccess;

  constructor(config: KubeAccess) {
    this.config = config;
  }

  async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: WatchCallback,
    done: WatchDone,
  ): Promise<AbortController> {
    const cluster = this.config.getCurrentCluster();
    if (!cluster) throw new Error('No currently active cluster');
    const watchURL = new URL(cluster.server + path);
    watchURL.searchParams.set('watch', 'true');
    for (const [key, value] of Object.entries(queryParams)) {
      if (value !== undefined) watchURL.searchParams.set(key, value.toString());
    }
    const controller = new AbortController();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const clearTimer = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    };
    const resetTimer = () => {
      clearTimer();
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort(timeoutError());
      }, this.requestTimeoutMs);
      timer.unref();
    };
    const context = new RequestContext(watchURL.toString(), HttpMethod.GET);
    await this.config.applySecurityAuthentication(context);
    let doneCalled = false;
    const doneCallOnce = (error: unknown) => {
      if (doneCalled) return;
      doneCalled = true;
      clearTimer();
      controller.abort();
      done(error && timedOut ? timeoutError() : error);
    };
    try {
      resetTimer();
      const response = await request(watchURL, {
        ...authenticatedRequestOptions(context),
        method: 'GET',
        signal: controller.signal,
      });
      if (response.statusCode !== 200) {
        response.body.resume(); // drained, so that the connection can be reused
        const error = new Error(statusText(response.statusCode) || 'Internal Server Error') as Error & {
          statusCode: number;
        };
        error.statusCode = response.statusCode;
        throw error;
      }
      // The connect timeout is over; from here on it becomes an inactivity timeout.
      resetTimer();
      const body = response.body;
      body.on('error', doneCallOnce);
      body.on('close', () => doneCallOnce(null));
      body.on('finish', () => doneCallOnce(null));
      const lines = createInterface(body);
      lines.on('error', doneCallOnce);
      lines.on('close', () => doneCallOnce(null));
      lines.on('line', (line: string) => {
        // A line that is not JSON, or a callback that throws, is ignored, as client-node does.
        try {
          const data = JSON.parse(line) as { type: string; object: never };
          callback(data.type, data.object, data);
        } catch {
          // ignored
        }
      });
      body.on('data', resetTimer);
    } catch (error) {
      doneCallOnce(error);
    }
    return controller;
  }
}
