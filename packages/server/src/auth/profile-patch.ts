import { AppError } from '../errors/app-error.js';
import { AVATAR_URL_MAX, isHttpsUrl, NICKNAME_MAX } from '../schemas/limits.js';
import type { ProfilePatch } from '../schemas/user.js';

// What `<button open-type="chooseAvatar">` hands back before upload: a file on the device, not a URL anyone can load.
const TEMP_PATH_PATTERN = /^(wxfile:\/\/|https?:\/\/(tmp|usr|store)\/)/i;

// C0 controls and DEL: never part of a name or a URL, and PostgreSQL refuses NUL in text outright (a 500).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what it must find
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

const UPLOAD_HINT =
  'avatarUrl is a temporary local file from chooseAvatar; upload it first (e.g. wx.uploadFile to your storage) and send the resulting https:// URL';

/** Checks and normalises a profile patch (trims the nickname); throws `VALIDATION_FAILED` naming the field. */
export function validateProfilePatch(patch: ProfilePatch): ProfilePatch {
  const out: ProfilePatch = {};
  if (patch.nickname !== undefined) {
    if (patch.nickname === null) out.nickname = null;
    else if (typeof patch.nickname !== 'string') throw new AppError('VALIDATION_FAILED', 'nickname must be a string.');
    else {
      const nickname = patch.nickname.trim();
      if (CONTROL_CHARACTER.test(nickname))
        throw new AppError('VALIDATION_FAILED', 'nickname must not contain control characters.');
      if ([...nickname].length > NICKNAME_MAX) {
        throw new AppError('VALIDATION_FAILED', `nickname must be at most ${NICKNAME_MAX} characters.`);
      }
      out.nickname = nickname.length === 0 ? null : nickname;
    }
  }
  if (patch.avatarUrl !== undefined) {
    if (patch.avatarUrl === null) out.avatarUrl = null;
    else if (typeof patch.avatarUrl !== 'string')
      throw new AppError('VALIDATION_FAILED', 'avatarUrl must be a string.');
    else {
      const url = patch.avatarUrl.trim();
      if (CONTROL_CHARACTER.test(url))
        throw new AppError('VALIDATION_FAILED', 'avatarUrl must not contain control characters.');
      if (TEMP_PATH_PATTERN.test(url)) throw new AppError('VALIDATION_FAILED', `${UPLOAD_HINT}.`);
      if (url.length > AVATAR_URL_MAX) {
        throw new AppError('VALIDATION_FAILED', `avatarUrl must be at most ${AVATAR_URL_MAX} characters.`);
      }
      if (!isHttpsUrl(url)) throw new AppError('VALIDATION_FAILED', 'avatarUrl must be an https:// URL.');
      out.avatarUrl = url;
    }
  }
  return out;
}
