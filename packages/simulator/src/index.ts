/**
 * `@wxlogin/simulator` — a stand-in for WeChat's mini program server API (HTTP) with a control API, for development
 * and tests. Imports nothing of wxlogin's: its crypto is its own, so it can check `@wxlogin/core`'s.
 */
export {
  createSimulator,
  DEFAULT_DEV_SECRET,
  DEV_APPID,
  Simulator,
  type ListenOptions,
  type SimulatorOptions,
} from './simulator.js';
export type {
  AppCredentials,
  EncryptInput,
  LoginInput,
  LoginResult,
  PhoneCodeInput,
  SimulatedUser,
  SimulatorStats,
} from './simulator-control.js';
export type { Faults } from './faults.js';
export { ControlError } from './control-error.js';
export { WECHAT_ROUTES } from './routes/wechat-routes.js';
export { encryptData, type EncryptedPayload } from './crypto/encrypt-data.js';
export { isValidSessionKeySignature, signWithSessionKey } from './crypto/session-key-signature.js';
export {
  CliUsageError,
  runSimulatorCli,
  SIMULATOR_USAGE,
  startSimulatorFromArgs,
  type CliIo,
  type RunningSimulator,
} from './cli.js';
export { createFakeWx, WX_LOGIN_PER_SECOND } from './fake-wx/create-fake-wx.js';
export type {
  FakeWx,
  FakeWxControl,
  FakeWxOptions,
  WxCheckSessionSuccess,
  WxLoginSuccess,
  WxPrivacyOk,
} from './fake-wx/types.js';
export { BACKGROUND_INTERRUPT_MS } from './fake-wx/background.js';
export {
  PHONE_QUOTA_ERRNO,
  type ChooseAvatarDetail,
  type PhoneButtonTap,
  type PhoneNumberDetail,
} from './fake-wx/buttons.js';
export type { WxCallbacks, WxError } from './fake-wx/callbacks.js';
export {
  WX_REQUEST_METHODS,
  type WxRequestMethod,
  type WxRequestOptions,
  type WxRequestSuccess,
  type WxRequestTask,
} from './fake-wx/fake-request.js';
export type { WxUploadFileOptions, WxUploadFileSuccess, WxUploadTask } from './fake-wx/fake-upload.js';
export type { RequestCounters } from './fake-wx/network-task.js';
export {
  PRIVACY_NOT_AUTHORIZED_ERRNO,
  PRIVACY_REFUSAL_COOLDOWN_MS,
  type NeedPrivacyAuthorizationInfo,
  type NeedPrivacyAuthorizationListener,
  type PrivacyResolveOptions,
  type WxPrivacySetting,
} from './fake-wx/privacy.js';
export { MAX_RANDOM_VALUES_LENGTH, type WxRandomValuesSuccess } from './fake-wx/random-values.js';
export type { StorageInfo } from './fake-wx/fake-storage.js';
