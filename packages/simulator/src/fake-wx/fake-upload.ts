import { settle, toWxError, typeName, WxFailure, type WxCallbacks } from './callbacks.js';
import { httpUrl, lowercaseKeys, sendWithFetch } from './fake-request.js';
import {
  DEFAULT_NETWORK_TIMEOUT_MS,
  Lane,
  runNetworkTask,
  type NetworkContext,
  type RequestCounters,
} from './network-task.js';
import type { TempFiles } from './temp-files.js';

/** Options of `wx.uploadFile`. */
export interface WxUploadFileOptions extends WxCallbacks<WxUploadFileSuccess> {
  /** The app server's URL (http or https). */
  url: string;
  /** A path this launch handed out, e.g. the `avatarUrl` of the avatar picker. */
  filePath: string;
  /** The form field that carries the file. */
  name: string;
  /** More form fields; objects are sent as JSON text, anything else as its string. */
  formData?: Record<string, unknown>;
  /** Extra headers; `content-type` is always WeChat's multipart one, a `Referer` is ignored. */
  header?: Record<string, string>;
  /** Milliseconds; default 60000. */
  timeout?: number;
}

/** What `success` of `wx.uploadFile` receives — for any HTTP status; `data` is the body as text, never parsed. */
export interface WxUploadFileSuccess {
  data: string;
  statusCode: number;
  errMsg: 'uploadFile:ok';
}

/** What `wx.uploadFile` returns. */
export interface WxUploadTask {
  abort(): void;
}

/**
 * `wx.uploadFile`: a multipart/form-data POST with the file under `name` and `formData`'s fields; the same failure
 * rules as `wx.request`, with its own in-flight limit.
 */
export class FakeUploader {
  readonly #lane: Lane;

  /**
   * @param network - what the launch's network APIs share. @param files - the launch's temporary files.
   * @param maxConcurrent - in flight at once (WeChat: 10, counted apart from `wx.request`).
   * @param alive - false once the launch was killed: its callbacks are not called any more.
   */
  constructor(
    private readonly network: NetworkContext,
    private readonly files: TempFiles,
    maxConcurrent: number,
    private readonly alive: () => boolean,
  ) {
    this.#lane = new Lane(maxConcurrent);
  }

  /** In flight, most at once, total. */
  get counters(): Readonly<RequestCounters> {
    return this.#lane.counters;
  }

  /** `wx.uploadFile`. */
  uploadFile(options: WxUploadFileOptions): WxUploadTask {
    const callbacks = { ...options, success: options.success ?? noop };
    const url = httpUrl(options.url);
    const bytes = typeof options.filePath === 'string' ? this.files.read(options.filePath) : undefined;
    const invalid =
      url === undefined
        ? 'invalid url'
        : typeof options.name !== 'string'
          ? `parameter error: parameter.name should be String instead of ${typeName(options.name)};`
          : bytes === undefined
            ? 'file not found'
            : undefined;
    if (invalid !== undefined || url === undefined || bytes === undefined) {
      const failure = new WxFailure(`uploadFile:fail ${invalid ?? 'file not found'}`);
      settle(callbacks, () => Promise.reject(failure), toWxError('uploadFile'), this.alive);
      return { abort: noop };
    }
    const timeout = options.timeout ?? DEFAULT_NETWORK_TIMEOUT_MS;
    const task = runNetworkTask('uploadFile', this.network, this.#lane, timeout, async (signal) => {
      const form = new FormData();
      for (const [key, value] of Object.entries(options.formData ?? {})) {
        form.append(key, typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));
      }
      const fileName = options.filePath.slice(options.filePath.lastIndexOf('/') + 1);
      form.append(options.name, new Blob([bytes], { type: mimeType(fileName) }), fileName);
      // fetch writes the multipart content-type with its boundary: a caller's would break the body.
      const header = lowercaseKeys(options.header ?? {});
      delete header['content-type'];
      delete header['content-length'];
      header.referer = this.network.referer;
      const raw = await sendWithFetch(url, 'POST', header, form, signal);
      return { data: raw.body.toString('utf8'), statusCode: raw.status, errMsg: 'uploadFile:ok' as const };
    });
    settle(callbacks, () => task.result, toWxError('uploadFile'), this.alive);
    return { abort: () => task.abort() };
  }
}

function noop(): void {}

function mimeType(fileName: string): string {
  const extension = fileName.slice(fileName.lastIndexOf('.') + 1).toLowerCase();
  if (extension === 'jpg' || extension === 'jpeg') return 'image/jpeg';
  if (extension === 'png') return 'image/png';
  return 'application/octet-stream';
}
