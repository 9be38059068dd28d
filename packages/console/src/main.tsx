import { render } from 'preact';
import { App } from './app.js';
import { LOCALE_STORAGE_KEY, pickLocale } from './i18n/locale.js';
import { readStored, writeStored } from './lib/storage.js';
import { TOKEN_STORAGE_KEY, tokenHandoff } from './lib/token-handoff.js';
import './styles.css';

// First of all, before any request or render: take a `#token=` out of the URL (and so out of the history).
const handoff = tokenHandoff(location.hash, location.pathname);
if (handoff.store !== null) writeStored('session', TOKEN_STORAGE_KEY, handoff.store);
if (handoff.replaceUrl !== null) history.replaceState(null, '', handoff.replaceUrl);

const languages = navigator.languages.length > 0 ? navigator.languages : [navigator.language];
const locale = pickLocale(languages, readStored('local', LOCALE_STORAGE_KEY));
document.documentElement.lang = locale;

const root = document.getElementById('app');
if (root === null) throw new Error('index.html has no #app');
render(<App initialToken={readStored('session', TOKEN_STORAGE_KEY)} initialLocale={locale} />, root);
