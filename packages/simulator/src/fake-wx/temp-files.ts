import { randomBytes } from 'node:crypto';

/**
 * A 1×1 JPEG (615 bytes): what the fake avatar picker hands out. A real image, so a server that decodes or sniffs
 * uploads accepts it.
 */
export const AVATAR_JPEG: Uint8Array = Uint8Array.from(
  Buffer.from(
    [
      '/9j/4AAQSkZJRgABAQAAAQABAAD/2wCEABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hn',
      'Pk1xeXBkeFxlZ2MBERISGBUYLxoaL2NCOEJjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY//A',
      'ABEIAAEAAQMBEQACEQEDEQH/xAGiAAABBQEBAQEBAQAAAAAAAAAAAQIDBAUGBwgJCgsQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFB',
      'BhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6',
      'g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+gEAAwEB',
      'AQEBAQEBAQAAAAAAAAECAwQFBgcICQoLEQACAQIEBAMEBwUEBAABAncAAQIDEQQFITEGEkFRB2FxEyIygQgUQpGhscEJIzNS8BVictEK',
      'FiQ04SXxFxgZGiYnKCkqNTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqCg4SFhoeIiYqSk5SVlpeYmZqio6Slpqeo',
      'qaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2dri4+Tl5ufo6ery8/T19vf4+fr/2gAMAwEAAhEDEQA/AErnPlz/AP/Z',
    ].join(''),
    'base64',
  ),
);

/**
 * The temporary files of one launch, by path. WeChat's temporary paths are valid only during the launch that made
 * them, so a relaunched fake starts with none.
 */
export class TempFiles {
  readonly #files = new Map<string, Uint8Array>();

  /** Stores a copy of `bytes` under a new path `http://tmp/<random>.<extension>`, the shape WeChat hands out. */
  add(bytes: Uint8Array, extension: string): string {
    const path = `http://tmp/${randomBytes(16).toString('hex')}.${extension}`;
    this.#files.set(path, Uint8Array.from(bytes));
    return path;
  }

  /** A copy of the file's bytes, or undefined for a path this launch never handed out. */
  read(path: string): Uint8Array | undefined {
    const bytes = this.#files.get(path);
    return bytes === undefined ? undefined : Uint8Array.from(bytes);
  }
}
