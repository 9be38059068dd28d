import { WxFailure } from './callbacks.js';

/** What the page passes to the `resolve` WeChat hands its `onNeedPrivacyAuthorization` listener. */
export interface PrivacyResolveOptions {
  /** `exposureAuthorization` reports the popup was shown; `agree` / `disagree` end the wait. */
  event: 'exposureAuthorization' | 'agree' | 'disagree';
  /** The id of the `<button open-type="agreePrivacyAuthorization">` tapped; required with `agree`. */
  buttonId?: string;
}

/** The second argument of an `onNeedPrivacyAuthorization` listener. */
export interface NeedPrivacyAuthorizationInfo {
  /** The API or component that asked, e.g. `button.getPhoneNumber` (the naming of WeChat's docs). */
  referrer: string;
}

/** A `wx.onNeedPrivacyAuthorization` listener: shows the page's popup and calls `resolve` with the user's choice. */
export type NeedPrivacyAuthorizationListener = (
  resolve: (options: PrivacyResolveOptions) => void,
  eventInfo: NeedPrivacyAuthorizationInfo,
) => void;

/** What `wx.getPrivacySetting` succeeds with. */
export interface WxPrivacySetting {
  /** True until the user agreed to the privacy contract. */
  needAuthorization: boolean;
  privacyContractName: string;
  errMsg: 'getPrivacySetting:ok';
}

/** The errno of a privacy API the user has not authorized (`<api>:fail privacy permission is not authorized`). */
export const PRIVACY_NOT_AUTHORIZED_ERRNO = 104;

/** After a refusal, privacy APIs fail at once, without asking again, for this long. */
export const PRIVACY_REFUSAL_COOLDOWN_MS = 10_000;

/** What WeChat remembers of one user's privacy choice for one mini program (it outlives a relaunch). */
export interface PrivacyRecord {
  authorized: boolean;
  /** Epoch ms of the last refusal. */
  refusedAt: number | undefined;
}

/**
 * The privacy gate of base library >= 2.32.3 in front of privacy APIs (the phone-number and avatar buttons, …). The
 * listener is per launch (the JS that registered it dies with the launch); the record is the device's.
 */
export class PrivacyGate {
  #listener: NeedPrivacyAuthorizationListener | undefined;

  /**
   * @param record - the user's choice so far, shared across launches. @param popupChoice - what the user picks in
   * WeChat's own popup, shown when no listener is registered. @param clock - epoch ms, for the refusal cooldown.
   */
  constructor(
    private readonly record: PrivacyRecord,
    private readonly popupChoice: 'agree' | 'disagree',
    private readonly clock: () => number,
  ) {}

  /** Whether the user agreed. */
  get authorized(): boolean {
    return this.record.authorized;
  }

  /** `wx.onNeedPrivacyAuthorization`: registering replaces the previous listener, as WeChat's docs say. */
  setListener(listener: NeedPrivacyAuthorizationListener): void {
    if (typeof listener !== 'function') {
      throw new TypeError('onNeedPrivacyAuthorization: listener must be a function');
    }
    this.#listener = listener;
  }

  /**
   * Resolves when `api` may proceed: at once once agreed; else the listener (or WeChat's popup) is asked and the
   * call waits for the answer. A refusal, or any call within 10 s after one, rejects with errno 104.
   */
  async require(api: string, referrer: string): Promise<void> {
    if (this.record.authorized) return;
    const refused = this.record.refusedAt;
    if (refused !== undefined && this.clock() - refused < PRIVACY_REFUSAL_COOLDOWN_MS) throw notAuthorized(api);
    const listener = this.#listener;
    const choice = listener === undefined ? this.popupChoice : await ask(listener, referrer);
    if (choice === 'agree') {
      this.record.authorized = true;
      this.record.refusedAt = undefined;
      return;
    }
    this.record.refusedAt = this.clock();
    throw notAuthorized(api);
  }
}

function ask(listener: NeedPrivacyAuthorizationListener, referrer: string): Promise<'agree' | 'disagree'> {
  return new Promise((answer) => {
    let answered = false;
    const resolve = (options: PrivacyResolveOptions): void => {
      const event: unknown = (options as Partial<PrivacyResolveOptions> | undefined)?.event;
      if (event !== 'exposureAuthorization' && event !== 'agree' && event !== 'disagree') {
        throw new TypeError(
          `privacy resolve: event must be exposureAuthorization, agree or disagree, not ${String(event)}`,
        );
      }
      // The base library checks that the named agree button was tapped: without a buttonId there is nothing to check.
      if (event === 'agree' && (typeof options.buttonId !== 'string' || options.buttonId === '')) {
        throw new TypeError(
          "privacy resolve: { event: 'agree' } needs the buttonId of the agreePrivacyAuthorization button",
        );
      }
      if (answered || event === 'exposureAuthorization') return;
      answered = true;
      answer(event);
    };
    // WeChat calls the listener from its own task, never inside the API call; if the listener throws, the API keeps
    // waiting, as on a device, and the page's bug surfaces as an uncaught error.
    setTimeout(() => listener(resolve, { referrer }), 0);
  });
}

function notAuthorized(api: string): WxFailure {
  return new WxFailure(`${api}:fail privacy permission is not authorized`, PRIVACY_NOT_AUTHORIZED_ERRNO);
}
