import type { I18n } from '../i18n/i18n-context.js';

/** The audit actions the service writes, in the filter's order. */
export const AUDIT_ACTIONS = [
  'user.disabled',
  'user.enabled',
  'user.deleted',
  'user.sessions_revoked',
  'session.revoked',
  'refresh.reuse_detected',
  'user.unionid_changed',
  'phone.bound',
  'phone.moved',
  'phone.unbound',
] as const;

/** Why a session ended, as the service records it. */
export const REVOKED_REASONS = ['logout', 'logout_all', 'reuse', 'disabled', 'admin_revoked', 'user_deleted'] as const;

/** Login outcomes with a label of their own (any other catalogue code is shown raw). */
export const KNOWN_OUTCOMES = [
  'success',
  'INVALID_CODE',
  'CODE_ALREADY_USED',
  'WECHAT_RATE_LIMITED',
  'WECHAT_UNAVAILABLE',
  'WECHAT_ERROR',
  'WECHAT_SESSION_STALE',
  'UNKNOWN_APP',
  'APP_MISCONFIGURED',
  'USER_DISABLED',
  'USER_BLOCKED',
  'RATE_LIMITED',
  'VALIDATION_FAILED',
  'DEPENDENCY_UNAVAILABLE',
  'SHUTTING_DOWN',
  'REQUEST_TIMEOUT',
  'INTERNAL_ERROR',
] as const;

/** WeChat errcodes (and wxlogin's own, below -1000) with a meaning in the tables. */
export const KNOWN_ERRCODES = [
  '-1',
  '-1001',
  '-1002',
  '-1003',
  '-1004',
  '-1005',
  '-1006',
  '-1007',
  '-1008',
  '40029',
  '41008',
  '40163',
  '45011',
  '45009',
  '40226',
  '40013',
  '40125',
  '40164',
  '40243',
  '40001',
  '42001',
  '40014',
] as const;

/** The WeChat APIs the overview reports. */
export const WECHAT_APIS = [
  'code2Session',
  'getPhoneNumber',
  'stableToken',
  'checkSession',
  'resetSessionKey',
] as const;

/** The label of a login outcome (`success` or an error code), or the code itself. */
export function outcomeLabel(i18n: I18n, outcome: string): string {
  return i18n.maybe(`outcome.${outcome}`) ?? outcome;
}

/** What a WeChat errcode means, or undefined for one not in the tables. */
export function errcodeMeaning(i18n: I18n, errcode: string): string | undefined {
  return i18n.maybe(`errcode.${errcode}`);
}

/** The label of an audit action, or the action itself. */
export function actionLabel(i18n: I18n, action: string): string {
  return i18n.maybe(`action.${action}`) ?? action;
}

/** Why a session was revoked, in words, or the raw reason. */
export function revokedReasonLabel(i18n: I18n, reason: string): string {
  return i18n.maybe(`revoked.${reason}`) ?? reason;
}

/** What a WeChat API is for, or undefined. */
export function wechatApiLabel(i18n: I18n, api: string): string | undefined {
  return i18n.maybe(`wechatApi.${api}`);
}
