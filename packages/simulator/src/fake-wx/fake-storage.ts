/** What `wx.getStorageInfoSync()` answers. */
export interface StorageInfo {
  keys: string[];
  /** KB used. */
  currentSize: number;
  /** KB allowed (10 MB, WeChat's per-user limit). */
  limitSize: number;
}

const LIMIT_KB = 10 * 1024;

/** The synchronous storage API of `wx`; values are kept as structured clones, as WeChat serialises them. */
export class FakeStorage {
  readonly #items = new Map<string, unknown>();

  /** `wx.setStorageSync`. */
  setStorageSync(key: string, data: unknown): void {
    if (typeof key !== 'string' || key === '') {
      throw new Error('setStorageSync:fail parameter error: key must be a non-empty string');
    }
    const copy = structuredClone(data);
    const others = this.#sizeKb(key);
    if (others + kb(key, copy) > LIMIT_KB) throw new Error('setStorageSync:fail exceed storage max size 10MB');
    this.#items.set(key, copy);
  }

  /** `wx.getStorageSync`: '' for a missing key, as WeChat answers. */
  getStorageSync(key: string): unknown {
    return this.#items.has(key) ? structuredClone(this.#items.get(key)) : '';
  }

  /** `wx.removeStorageSync`. */
  removeStorageSync(key: string): void {
    this.#items.delete(key);
  }

  /** `wx.clearStorageSync`. */
  clearStorageSync(): void {
    this.#items.clear();
  }

  /** `wx.getStorageInfoSync`. */
  getStorageInfoSync(): StorageInfo {
    return { keys: [...this.#items.keys()], currentSize: Math.ceil(this.#sizeKb()), limitSize: LIMIT_KB };
  }

  #sizeKb(except?: string): number {
    let total = 0;
    for (const [key, value] of this.#items) if (key !== except) total += kb(key, value);
    return total;
  }
}

function kb(key: string, value: unknown): number {
  return (Buffer.byteLength(key) + Buffer.byteLength(JSON.stringify(value) ?? '')) / 1024;
}
