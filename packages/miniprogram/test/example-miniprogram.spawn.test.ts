/**
 * examples/miniprogram as WeChat runs it: its npm dependency built by WeChat's own builder (miniprogram-ci's
 * `packNpmManually`, what DevTools' 工具 → 构建 npm runs), its pages rendered by miniprogram-simulate (WeChat's
 * component framework, exparser, with the official WXML compiler), the SDK required as the built `miniprogram_npm`
 * copy, a fake `wx` doing real HTTP to the real service, and the service talking to the WeChat simulator.
 *
 * What makes it run in Node, all here and none of it in the example:
 * - `require` from a file of the mini program resolves bare names the way WeChat does — `miniprogram_npm/<name>`
 *   in the file's folder, then each parent up to the miniprogram root, and nothing else (no node_modules, no Node
 *   builtins) — by a hook on Node's CJS resolver for files under the copy's root;
 * - a small DOM (miniprogram-simulate wants jsdom, which this repository does not install): only what exparser and
 *   j-component touch;
 * - `App()` / `getApp()`, which miniprogram-simulate leaves out: a cold start is "forget every module of the mini
 *   program, require app.js, call onLaunch".
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Module, { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { createApp, loadConfig, type WxloginApp } from '@wxlogin/server';
import { createFakeWx, createSimulator, DEFAULT_DEV_SECRET, DEV_APPID, type Simulator } from '@wxlogin/simulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

// This package is CommonJS (the mini program's module system), so its tests are typed as CommonJS too: no
// import.meta. Node's own require, not vitest's: what it loads (miniprogram-simulate, the pages) stays native.
const nodeRequire = createRequire(__filename);
const repoRoot = resolve(__dirname, '../../..');
const exampleDir = join(repoRoot, 'examples/miniprogram');
const sdkDir = join(repoRoot, 'packages/miniprogram');

// ---------------------------------------------------------------------------------------------------------------
// A DOM just big enough for exparser and j-component (they create, insert, remove and clone nodes, set attributes,
// query `style#id` in the head, dispatch CustomEvents on the node an event is fired at).

class FakeNode extends EventTarget {
  parentNode: FakeNode | null = null;
  readonly childNodes: FakeNode[] = [];
  constructor(
    readonly nodeType: number,
    readonly nodeName: string,
  ) {
    super();
  }
  get ownerDocument(): FakeDocument {
    return fakeDocument();
  }
  get firstChild(): FakeNode | null {
    return this.childNodes[0] ?? null;
  }
  get lastChild(): FakeNode | null {
    return this.childNodes[this.childNodes.length - 1] ?? null;
  }
  get nextSibling(): FakeNode | null {
    const siblings = this.parentNode?.childNodes;
    return siblings ? (siblings[siblings.indexOf(this) + 1] ?? null) : null;
  }
  get previousSibling(): FakeNode | null {
    const siblings = this.parentNode?.childNodes;
    return siblings ? (siblings[siblings.indexOf(this) - 1] ?? null) : null;
  }
  get parentElement(): FakeElement | null {
    return this.parentNode instanceof FakeElement ? this.parentNode : null;
  }
  get children(): FakeElement[] {
    return this.childNodes.filter((node): node is FakeElement => node instanceof FakeElement);
  }
  get textContent(): string {
    return this.childNodes.map((node) => node.textContent).join('');
  }
  set textContent(value: string) {
    for (const child of [...this.childNodes]) this.removeChild(child);
    if (value !== '' && value !== null && value !== undefined) this.appendChild(new FakeText(String(value)));
  }
  hasChildNodes(): boolean {
    return this.childNodes.length > 0;
  }
  contains(node: FakeNode | null): boolean {
    for (let at = node; at !== null; at = at.parentNode) if (at === this) return true;
    return false;
  }
  insertBefore(node: FakeNode, reference: FakeNode | null): FakeNode {
    if (node instanceof FakeFragment) {
      for (const child of [...node.childNodes]) this.insertBefore(child, reference);
      return node;
    }
    node.parentNode?.removeChild(node);
    const at = reference === null ? -1 : this.childNodes.indexOf(reference);
    if (reference !== null && at === -1) throw new Error('insertBefore: the reference node is not a child');
    if (at === -1) this.childNodes.push(node);
    else this.childNodes.splice(at, 0, node);
    node.parentNode = this;
    return node;
  }
  appendChild(node: FakeNode): FakeNode {
    return this.insertBefore(node, null);
  }
  removeChild(node: FakeNode): FakeNode {
    const at = this.childNodes.indexOf(node);
    if (at === -1) throw new Error('removeChild: not a child');
    this.childNodes.splice(at, 1);
    node.parentNode = null;
    return node;
  }
  replaceChild(node: FakeNode, old: FakeNode): FakeNode {
    this.insertBefore(node, old);
    return this.removeChild(old);
  }
  remove(): void {
    this.parentNode?.removeChild(this);
  }
  querySelectorAll(selector: string): FakeElement[] & { item(index: number): FakeElement | null } {
    const matches = compileSelector(selector);
    const found: FakeElement[] = [];
    const walk = (node: FakeNode): void => {
      for (const child of node.childNodes) {
        if (child instanceof FakeElement && matches(child)) found.push(child);
        walk(child);
      }
    };
    walk(this);
    return Object.assign(found, { item: (index: number) => found[index] ?? null });
  }
  querySelector(selector: string): FakeElement | null {
    return this.querySelectorAll(selector)[0] ?? null;
  }
  getElementsByTagName(tagName: string): FakeElement[] & { item(index: number): FakeElement | null } {
    return this.querySelectorAll(tagName);
  }
  cloneNode(deep = false): FakeNode {
    const copy = new FakeNode(this.nodeType, this.nodeName);
    if (deep) for (const child of this.childNodes) copy.appendChild(child.cloneNode(true));
    return copy;
  }
}

class FakeText extends FakeNode {
  constructor(public data: string) {
    super(3, '#text');
  }
  override get textContent(): string {
    return this.data;
  }
  override set textContent(value: string) {
    this.data = String(value);
  }
  get nodeValue(): string {
    return this.data;
  }
  set nodeValue(value: string) {
    this.data = String(value);
  }
  override cloneNode(): FakeText {
    return new FakeText(this.data);
  }
}

class FakeFragment extends FakeNode {
  constructor() {
    super(11, '#document-fragment');
  }
  override cloneNode(deep = false): FakeFragment {
    const copy = new FakeFragment();
    if (deep) for (const child of this.childNodes) copy.appendChild(child.cloneNode(true));
    return copy;
  }
}

class FakeElement extends FakeNode {
  readonly localName: string;
  readonly attributeMap = new Map<string, string>();
  readonly style: { cssText: string; [property: string]: string };
  readonly classList: {
    contains(name: string): boolean;
    add(...names: string[]): void;
    remove(...names: string[]): void;
    toggle(name: string, force?: boolean): boolean;
  };
  constructor(tagName: string) {
    super(1, tagName.toUpperCase());
    this.localName = tagName.toLowerCase();
    const element = this;
    this.style = {
      get cssText() {
        return element.getAttribute('style') ?? '';
      },
      set cssText(value: string) {
        element.setAttribute('style', value);
      },
    };
    const names = (): string[] => element.className.split(/\s+/).filter(Boolean);
    this.classList = {
      contains: (name) => names().includes(name),
      add: (...added) => {
        element.className = [...new Set([...names(), ...added])].join(' ');
      },
      remove: (...removed) => {
        element.className = names()
          .filter((name) => !removed.includes(name))
          .join(' ');
      },
      toggle: (name, force) => {
        const wanted = force ?? !names().includes(name);
        if (wanted) this.classList.add(name);
        else this.classList.remove(name);
        return wanted;
      },
    };
  }
  get tagName(): string {
    return this.nodeName;
  }
  get attributes(): { name: string; value: string }[] {
    return [...this.attributeMap].map(([name, value]) => ({ name, value }));
  }
  get id(): string {
    return this.getAttribute('id') ?? '';
  }
  set id(value: string) {
    this.setAttribute('id', value);
  }
  get className(): string {
    return this.getAttribute('class') ?? '';
  }
  set className(value: string) {
    this.setAttribute('class', value);
  }
  get innerHTML(): string {
    return this.childNodes.map(serialize).join('');
  }
  set innerHTML(value: string) {
    // Only <style> contents are ever written here.
    this.textContent = value;
  }
  get outerHTML(): string {
    return serialize(this);
  }
  setAttribute(name: string, value: unknown): void {
    this.attributeMap.set(name.toLowerCase(), String(value));
  }
  getAttribute(name: string): string | null {
    return this.attributeMap.get(name.toLowerCase()) ?? null;
  }
  hasAttribute(name: string): boolean {
    return this.attributeMap.has(name.toLowerCase());
  }
  removeAttribute(name: string): void {
    this.attributeMap.delete(name.toLowerCase());
  }
  getBoundingClientRect(): Record<string, number> {
    return { left: 0, top: 0, right: 0, bottom: 0, width: 0, height: 0, x: 0, y: 0 };
  }
  override cloneNode(deep = false): FakeElement {
    const copy = new FakeElement(this.localName);
    for (const [name, value] of this.attributeMap) copy.attributeMap.set(name, value);
    if (deep) for (const child of this.childNodes) copy.appendChild(child.cloneNode(true));
    return copy;
  }
}

class FakeDocument extends FakeNode {
  readonly documentElement = new FakeElement('html');
  readonly head = new FakeElement('head');
  readonly body = new FakeElement('body');
  constructor() {
    super(9, '#document');
    this.documentElement.appendChild(this.head);
    this.documentElement.appendChild(this.body);
    this.appendChild(this.documentElement);
  }
  createElement(tagName: string): FakeElement {
    return new FakeElement(tagName);
  }
  createTextNode(data: unknown): FakeText {
    return new FakeText(String(data));
  }
  createDocumentFragment(): FakeFragment {
    return new FakeFragment();
  }
  importNode(node: FakeNode, deep = false): FakeNode {
    return node.cloneNode(deep);
  }
}

/** Compound selectors only (`tag`, `#id`, `.class`, `[attr]`, `[attr="value"]`): no combinators. */
function compileSelector(selector: string): (element: FakeElement) => boolean {
  const parts = /^([a-zA-Z][\w-]*|\*)?((?:#[\w-]+|\.[\w-]+|\[[\w-]+(?:="[^"]*")?\])*)$/.exec(selector.trim());
  if (parts === null) throw new Error(`selector not supported by the test DOM: ${selector}`);
  const tag = parts[1] !== undefined && parts[1] !== '*' ? parts[1].toLowerCase() : undefined;
  const checks = (parts[2]?.match(/#[\w-]+|\.[\w-]+|\[[^\]]+\]/g) ?? []).map(
    (part): ((element: FakeElement) => boolean) => {
      if (part.startsWith('#')) return (element) => element.id === part.slice(1);
      if (part.startsWith('.')) return (element) => element.classList.contains(part.slice(1));
      const [name = '', value] = part.slice(1, -1).split('=');
      return value === undefined
        ? (element) => element.hasAttribute(name)
        : (element) => element.getAttribute(name) === JSON.parse(value);
    },
  );
  return (element) => (tag === undefined || element.localName === tag) && checks.every((check) => check(element));
}

function serialize(node: FakeNode): string {
  const escapeText = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (node instanceof FakeText) return escapeText(node.data);
  if (!(node instanceof FakeElement)) return node.childNodes.map(serialize).join('');
  const attributes = [...node.attributeMap]
    .map(([name, value]) => ` ${name}="${escapeText(value).replace(/"/g, '&quot;')}"`)
    .join('');
  return `<${node.localName}${attributes}>${node.childNodes.map(serialize).join('')}</${node.localName}>`;
}

let theDocument: FakeDocument | undefined;
function fakeDocument(): FakeDocument {
  theDocument ??= new FakeDocument();
  return theDocument;
}

// ---------------------------------------------------------------------------------------------------------------
// miniprogram-simulate and j-component, as far as this test uses them.

interface Rendered {
  readonly dom: FakeElement;
  readonly data: Record<string, unknown>;
  querySelector(selector: string): Rendered | undefined;
  dispatchEvent(name: string, options?: { detail?: unknown }): void;
  attach(parent: FakeElement): void;
  detach(): void;
  triggerPageLifeTime(name: string, ...args: unknown[]): void;
  toJSON(): { tagName: string; attrs: { name: string; value: unknown }[]; event: Record<string, { handler?: string }> };
}

interface Simulate {
  load(componentPath: string, options?: { rootPath?: string }): string;
  render(id: string, properties?: Record<string, unknown>): Rendered;
  sleep(ms: number): Promise<void>;
}

/** What the built SDK exports (the part this test looks at). */
interface BuiltSdk {
  createClient: unknown;
  errorMessage(code: string, locale?: string): string;
}

interface ExampleClient {
  ready(): Promise<{ id: string; openid: string }>;
  logout(): Promise<void>;
  isLoggedIn(): boolean;
}

interface AppOptions {
  onLaunch?(this: AppOptions, options: Record<string, unknown>): void;
}

type FakeWx = ReturnType<typeof createFakeWx>;
type FakeWxOptions = Parameters<typeof createFakeWx>[0];

const isFakeWx = (value: Partial<FakeWxOptions> | FakeWx): value is FakeWx =>
  typeof (value as FakeWx).control === 'object';

// ---------------------------------------------------------------------------------------------------------------

describe('examples/miniprogram: built by miniprogram-ci, rendered by miniprogram-simulate, against the service [sqlite]', () => {
  let work: string;
  let projectDir: string;
  let miniprogramRoot: string;
  let pristineConfig: string;
  let simulate: Simulate;
  let simulator: Simulator;
  let simulatorUrl: string;
  let service: WxloginApp;
  let serviceUrl: string;
  let uploads: Server;
  let uploadUrl: string;
  const uploaded: { userId: string; field: string; fileName: string; type: string; bytes: number }[] = [];
  const resolutions: { request: string; from: string; to: string }[] = [];
  const mounted: Rendered[] = [];
  let registeredApp: AppOptions | undefined;
  let restoreResolver: (() => void) | undefined;
  const savedGlobals = new Map<string, PropertyDescriptor | undefined>();

  const setGlobal = (name: string, value: unknown): void => {
    if (!savedGlobals.has(name)) savedGlobals.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
    Object.defineProperty(globalThis, name, { value, configurable: true, writable: true, enumerable: false });
  };

  beforeAll(async () => {
    const builtSdk = join(sdkDir, 'dist/index.js');
    if (!existsSync(builtSdk))
      throw new Error(`${builtSdk} is missing: build the SDK first (npx tsc -b packages/miniprogram)`);

    // 1. The example as a developer has it after `npm install`: the SDK in node_modules next to its package.json.
    work = mkdtempSync(join(tmpdir(), 'wxlogin-example-mp-'));
    projectDir = join(work, 'project');
    cpSync(exampleDir, projectDir, {
      recursive: true,
      filter: (source) => !/[\\/](node_modules|miniprogram_npm)([\\/]|$)/.test(relative(exampleDir, source)),
    });
    const installed = join(projectDir, 'node_modules/@wxlogin/miniprogram');
    mkdirSync(installed, { recursive: true });
    cpSync(join(sdkDir, 'package.json'), join(installed, 'package.json'));
    cpSync(join(sdkDir, 'dist'), join(installed, 'dist'), { recursive: true });

    const project = JSON.parse(readFileSync(join(projectDir, 'project.config.json'), 'utf8')) as {
      miniprogramRoot: string;
      setting: { packNpmRelationList: { packageJsonPath: string; miniprogramNpmDistDir: string }[] };
    };
    miniprogramRoot = resolve(projectDir, project.miniprogramRoot);
    pristineConfig = readFileSync(join(miniprogramRoot, 'config.js'), 'utf8');

    // 2. 工具 → 构建 npm, offline: WeChat's builder with the project's own packNpmRelationList.
    const ci = nodeRequire('miniprogram-ci') as {
      packNpmManually(options: { packageJsonPath: string; miniprogramNpmDistDir: string }): Promise<{
        miniProgramPackNum: number;
        otherNpmPackNum: number;
        warnList: unknown[];
      }>;
    };
    for (const relation of project.setting.packNpmRelationList) {
      const result = await ci.packNpmManually({
        packageJsonPath: resolve(projectDir, relation.packageJsonPath),
        miniprogramNpmDistDir: resolve(projectDir, relation.miniprogramNpmDistDir),
      });
      expect(result).toMatchObject({ miniProgramPackNum: 1, otherNpmPackNum: 0, warnList: [] });
    }

    // 3. WeChat (the simulator), the service, and the team's avatar storage.
    simulator = createSimulator({});
    simulatorUrl = await simulator.listen({ port: 0 });
    const config = loadConfig({
      env: {
        WXLOGIN_APPS: `${DEV_APPID}:${DEFAULT_DEV_SECRET}`,
        WXLOGIN_MASTER_KEY: randomBytes(32).toString('base64'),
        WXLOGIN_DATABASE_URL: 'sqlite::memory:',
        WXLOGIN_WECHAT_BASE_URL: simulatorUrl,
        WXLOGIN_WECHAT_TIMEOUT_MS: '2000',
        WXLOGIN_LOG_LEVEL: 'silent',
      },
    });
    service = await createApp(config);
    await service.listen({ host: '127.0.0.1', port: 0 });
    serviceUrl = `http://127.0.0.1:${(service.server.address() as AddressInfo).port}`;
    uploads = createServer((req, res) => void acceptUpload(req, res));
    await new Promise<void>((done) => uploads.listen(0, '127.0.0.1', done));
    uploadUrl = `http://127.0.0.1:${(uploads.address() as AddressInfo).port}/avatars`;

    // 4. The runtime: a DOM, miniprogram-simulate, App()/getApp(), WeChat's module resolution.
    setGlobal('document', fakeDocument());
    setGlobal('window', {
      document: fakeDocument(),
      Element: FakeElement,
      getComputedStyle: () => ({}),
      requestAnimationFrame: (callback: (time: number) => void) => setTimeout(() => callback(Date.now()), 16),
    });
    simulate = nodeRequire('miniprogram-simulate') as Simulate;
    setGlobal('App', (options: AppOptions) => {
      registeredApp = options;
    });
    setGlobal('getApp', () => registeredApp);
    restoreResolver = resolveLikeWeChat(miniprogramRoot, resolutions);
  });

  afterAll(async () => {
    for (const page of mounted.splice(0)) page.detach();
    restoreResolver?.();
    forgetMiniprogramModules();
    for (const [name, descriptor] of savedGlobals) {
      if (descriptor === undefined) Reflect.deleteProperty(globalThis, name);
      else Object.defineProperty(globalThis, name, descriptor);
    }
    await new Promise<void>((done) => (uploads ? uploads.close(() => done()) : done()));
    await service?.close();
    await simulator?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  afterEach(() => {
    // Pages of a test leave with it (their onChange subscriptions and pending privacy requests too).
    for (const page of mounted.splice(0)) page.detach();
  });

  async function acceptUpload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const answer = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (bearer === undefined) return answer(401, { error: 'no bearer' });
      // The storage verifies wxlogin's access token, as any of the team's services would.
      const claims = await service.wxlogin.verifyAccessToken(bearer);
      const form = await new Response(Buffer.concat(chunks), {
        headers: { 'content-type': req.headers['content-type'] ?? '' },
      }).formData();
      const file = form.get('file');
      if (file === null || typeof file === 'string') return answer(400, { error: 'no file field' });
      const bytes = Buffer.from(await file.arrayBuffer());
      uploaded.push({ userId: claims.sub, field: 'file', fileName: file.name, type: file.type, bytes: bytes.length });
      const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
      answer(200, { url: `https://cdn.example.test/avatars/${claims.sub}/${digest}.jpeg` });
    } catch (error) {
      answer(500, { error: String(error) });
    }
  }

  /** Drops every module of the mini program from Node's cache: the next require runs it afresh (a cold start). */
  function forgetMiniprogramModules(): void {
    if (!miniprogramRoot) return;
    for (const key of Object.keys(nodeRequire.cache))
      if (key.startsWith(miniprogramRoot + sep)) delete nodeRequire.cache[key];
  }

  /**
   * A cold start: config.js pointed at this test's servers (as a developer edits it for a LAN preview), a new
   * device (or the `wx` of a relaunched one), app.js run and `onLaunch` called. `simulatorLogin`: config.js keeps
   * the simulator's code provider on (DevTools); otherwise it is off and `wx.login` is the device's (the fake's
   * codes come from the simulator, as a phone's come from WeChat).
   */
  function launch(on: Partial<FakeWxOptions> | FakeWx = {}, mode: { simulatorLogin?: boolean } = {}) {
    let source = pristineConfig;
    const replace = (from: string, to: string): void => {
      expect(source.split(from).length - 1, `config.js has ${from} once`).toBe(1);
      source = source.replace(from, to);
    };
    replace("baseUrl: 'http://127.0.0.1:3000'", `baseUrl: '${serviceUrl}'`);
    replace(
      "simulatorUrl: 'http://127.0.0.1:3001'",
      `simulatorUrl: '${mode.simulatorLogin === true ? simulatorUrl : ''}'`,
    );
    replace("uploadUrl: ''", `uploadUrl: '${uploadUrl}'`);
    writeFileSync(join(miniprogramRoot, 'config.js'), source);

    const wx: FakeWx = isFakeWx(on) ? on : createFakeWx({ simulator, appid: DEV_APPID, ...on });
    const navigations: string[] = [];
    // The fake is the runtime; the one UI call the pages make that it has no need to model is recorded.
    const ui: Record<string, unknown> = {
      navigateTo: (options: { url: string }) => {
        navigations.push(options.url);
      },
    };
    setGlobal(
      'wx',
      new Proxy(wx as unknown as Record<string | symbol, unknown>, {
        get: (target, key) => (key in target ? target[key] : ui[key as string]),
        has: (target, key) => key in target || key in ui,
      }),
    );
    forgetMiniprogramModules();
    registeredApp = undefined;
    nodeRequire(join(miniprogramRoot, 'app.js'));
    if (registeredApp === undefined) throw new Error('app.js did not call App()');
    const app: AppOptions = registeredApp;
    app.onLaunch?.call(app, { path: 'pages/index/index', query: {}, scene: 1001 });

    const sdk = nodeRequire(join(miniprogramRoot, 'miniprogram_npm/@wxlogin/miniprogram/index.js')) as BuiltSdk;
    const client = (nodeRequire(join(miniprogramRoot, 'wxlogin.js')) as { client: ExampleClient }).client;
    return {
      wx,
      sdk,
      client,
      navigations,
      /** Loads, renders and attaches a page as WeChat shows it (attached, then the page's show). */
      open(page: 'index' | 'profile'): Rendered {
        const id = simulate.load(join(miniprogramRoot, 'pages', page, page), { rootPath: miniprogramRoot });
        const rendered = simulate.render(id);
        rendered.attach(fakeDocument().createElement('parent-wrapper'));
        rendered.triggerPageLifeTime('show');
        mounted.push(rendered);
        return rendered;
      },
    };
  }

  const textOf = (page: Rendered, ...selectors: string[]): string | undefined => {
    let node: Rendered | undefined = page;
    for (const selector of selectors) node = node?.querySelector(selector);
    return node?.dom.textContent.trim();
  };

  /** A node's tag, attributes (camelCased, as exparser keeps them) and `bind…` handlers, from the rendered WXML. */
  const wiring = (page: Rendered, ...selectors: string[]) => {
    let node: Rendered | undefined = page;
    for (const selector of selectors) node = node?.querySelector(selector);
    if (node === undefined) throw new Error(`no ${selectors.join(' ')} on the page`);
    const json = node.toJSON();
    return {
      tag: json.tagName,
      attrs: Object.fromEntries(json.attrs.map((attr) => [attr.name, attr.value])),
      events: Object.fromEntries(Object.entries(json.event).map(([name, event]) => [name, event.handler])),
    };
  };

  async function waitFor<T>(read: () => T | undefined | null | false | '', what: string, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = read();
      if (value !== undefined && value !== null && value !== false && value !== '') return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await simulate.sleep(10);
    }
  }

  const loggedIn = (page: Rendered): Promise<string> =>
    waitFor(() => textOf(page, '#user-id'), 'the index page to show the logged-in user');

  it('is a WeChat DevTools project whose npm build puts the SDK at miniprogram_npm/@wxlogin/miniprogram', () => {
    const project = JSON.parse(readFileSync(join(exampleDir, 'project.config.json'), 'utf8'));
    expect(project).toMatchObject({
      appid: DEV_APPID,
      compileType: 'miniprogram',
      setting: { urlCheck: false, packNpmManually: true },
    });
    expect(project.setting.packNpmRelationList).toEqual([
      { packageJsonPath: './package.json', miniprogramNpmDistDir: `./${project.miniprogramRoot.replace(/\/$/, '')}/` },
    ]);
    const pkg = JSON.parse(readFileSync(join(exampleDir, 'package.json'), 'utf8'));
    expect(pkg.private).toBe(true);
    expect(Object.keys(pkg.dependencies)).toEqual(['@wxlogin/miniprogram']);
    const ignored = readFileSync(join(exampleDir, '.gitignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules/', 'miniprogram/miniprogram_npm/']));

    // The builder copied the package's "miniprogram" folder (dist) as is: the SDK, byte for byte.
    const installedDist = join(projectDir, 'node_modules/@wxlogin/miniprogram/dist');
    const built = join(miniprogramRoot, 'miniprogram_npm/@wxlogin/miniprogram');
    const sdkFiles = readdirSync(installedDist).filter((name) => name.endsWith('.js'));
    expect(sdkFiles).toContain('index.js');
    for (const file of sdkFiles) {
      expect(readFileSync(join(built, file), 'utf8'), file).toBe(readFileSync(join(installedDist, file), 'utf8'));
    }
    expect(typeof (nodeRequire(join(built, 'index.js')) as BuiltSdk).createClient).toBe('function');

    // What WeChat's rules ask of the pages, read from the source.
    const appJson = JSON.parse(readFileSync(join(miniprogramRoot, 'app.json'), 'utf8'));
    expect(appJson).toMatchObject({ __usePrivacyCheck__: true, networkTimeout: { request: expect.any(Number) } });
    for (const page of appJson.pages as string[]) {
      for (const ext of ['js', 'json', 'wxml', 'wxss'])
        expect(existsSync(join(miniprogramRoot, `${page}.${ext}`)), `${page}.${ext}`).toBe(true);
      const js = readFileSync(join(miniprogramRoot, `${page}.js`), 'utf8');
      expect(js, page).toMatch(/\bComponent\(\{/);
      expect(js, page).not.toMatch(/\bPage\(\{/);
    }
    for (const file of sourceFiles(miniprogramRoot)) {
      // Comments aside, no call of wx.login anywhere: the SDK's ready() makes it.
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(code, relative(miniprogramRoot, file)).not.toMatch(/\bwx\.login\b/);
    }
  });

  it('logs in from App.onLaunch alone, and the index page shows the user', async () => {
    const device = launch();
    const page = device.open('index');
    expect(textOf(page, '#login-loading')).toBe('正在登录…');
    const shownId = await loggedIn(page);
    expect(textOf(page, '#welcome')).toBe('已登录：微信用户');
    expect(textOf(page, '#phone')).toBe('手机号：未绑定');

    const user = await device.client.ready();
    expect(shownId).toBe(`用户 ID：${user.id}`);
    expect(user.openid).toBe(device.wx.control.openid);
    expect((await service.wxlogin.admin.getUser(user.id)).user.openid).toBe(device.wx.control.openid);
    // One wx.login, made by the SDK for App.onLaunch's ready(); the page only awaited it.
    expect(device.wx.control.logins).toBe(1);

    // The page's SDK is the builder's copy, found the way WeChat finds it.
    const sdkResolutions = resolutions.filter((entry) => entry.request === '@wxlogin/miniprogram');
    expect(sdkResolutions.length).toBeGreaterThan(0);
    for (const entry of sdkResolutions)
      expect(entry.to).toBe(join(miniprogramRoot, 'miniprogram_npm/@wxlogin/miniprogram/index.js'));
    expect(
      Object.keys(nodeRequire.cache).filter((key) => key.includes(`${sep}node_modules${sep}@wxlogin${sep}`)),
    ).toEqual([]);

    // Killed and started again, the mini program finds the session in storage: the same user, no wx.login.
    for (const page of mounted.splice(0)) page.detach();
    const again = launch(device.wx.control.relaunch());
    expect(await loggedIn(again.open('index'))).toBe(shownId);
    expect(again.wx.control.logins).toBe(0);

    // Another device is another WeChat user.
    const other = launch();
    await loggedIn(other.open('index'));
    expect((await other.client.ready()).id).not.toBe(user.id);
  });

  it('binds the phone from the getPhoneNumber button and shows it; the service has it in E.164', async () => {
    const device = launch({ phoneNumber: '13800138000' });
    const page = device.open('index');
    await loggedIn(page);
    const user = await device.client.ready();

    expect(wiring(page, '#phone-button')).toMatchObject({
      tag: 'wx-button',
      attrs: { openType: 'getPhoneNumber' },
      events: { getphonenumber: 'onGetPhoneNumber' },
    });
    const detail = await device.wx.control.getPhoneNumber();
    expect(detail).toMatchObject({ code: expect.any(String) });
    page.querySelector('#phone-button')?.dispatchEvent('getphonenumber', { detail });
    await waitFor(() => textOf(page, '#phone') === '手机号：+8613800138000', 'the bound phone on the page');
    expect(textOf(page, '#phone-message')).toBe('已绑定手机号 +8613800138000');
    expect(textOf(page, '#phone-button')).toBe('更换手机号');
    expect((await service.wxlogin.admin.getUser(user.id)).user.phone).toBe('+8613800138000');
  });

  it('shows the refusal when the user denies the phone number, without a request', async () => {
    const device = launch();
    const page = device.open('index');
    await loggedIn(page);
    const user = await device.client.ready();
    const requestsBefore = device.wx.control.requests.total;

    const detail = await device.wx.control.getPhoneNumber({ deny: true });
    page.querySelector('#phone-button')?.dispatchEvent('getphonenumber', { detail });
    const message = await waitFor(() => textOf(page, '#phone-message'), 'the refusal message');
    expect(message).toBe(device.sdk.errorMessage('PHONE_DENIED'));
    expect(message).toBe('未授权手机号，可稍后在设置中绑定');
    expect(device.wx.control.requests.total).toBe(requestsBefore);
    expect(textOf(page, '#phone')).toBe('手机号：未绑定');
    expect((await service.wxlogin.admin.getUser(user.id)).user.phone).toBeNull();
  });

  it('asks for privacy authorization with its own popup before the phone number, and honours both answers', async () => {
    let later = 0; // WeChat's clock for the refusal cool-down; this test moves it instead of waiting
    const device = launch({ privacyAuthorized: false, phoneNumber: '13912345678', clock: () => Date.now() + later });
    const page = device.open('index');
    await loggedIn(page);
    const user = await device.client.ready();
    expect(textOf(page, '#privacy-popup', '#privacy-dialog')).toBeUndefined();

    // First tap: WeChat holds the button and calls the page's listener; the popup shows; the user refuses.
    const refused = device.wx.control.getPhoneNumber();
    await waitFor(() => textOf(page, '#privacy-popup', '#privacy-dialog'), 'the privacy popup');
    expect(textOf(page, '#privacy-popup', '#privacy-contract')).toBe('《小程序用户隐私保护指引》'); // wx.getPrivacySetting's
    const requestsBefore = device.wx.control.requests.total;
    page.querySelector('#privacy-popup')?.querySelector('#privacy-disagree')?.dispatchEvent('tap');
    const refusedDetail = await refused;
    expect(refusedDetail).toMatchObject({ errMsg: expect.stringContaining('privacy permission is not authorized') });
    page.querySelector('#phone-button')?.dispatchEvent('getphonenumber', { detail: refusedDetail });
    expect(await waitFor(() => textOf(page, '#phone-message'), 'the refusal message')).toBe(
      device.sdk.errorMessage('PHONE_DENIED'),
    );
    expect(textOf(page, '#privacy-popup', '#privacy-dialog')).toBeUndefined();
    expect(device.wx.control.requests.total).toBe(requestsBefore);

    // A later tap (past WeChat's cool-down after a refusal): the popup again; this time the user agrees.
    later += 60_000;
    const agreed = device.wx.control.getPhoneNumber();
    await waitFor(() => textOf(page, '#privacy-popup', '#privacy-dialog'), 'the privacy popup again');
    // The id the popup hands to resolve() is this button's: WeChat checks that it was tapped.
    expect(wiring(page, '#privacy-popup', '#privacy-agree')).toMatchObject({
      attrs: { id: 'privacy-agree', openType: 'agreePrivacyAuthorization' },
      events: { agreeprivacyauthorization: 'onAgree' },
    });
    page.querySelector('#privacy-popup')?.querySelector('#privacy-agree')?.dispatchEvent('agreeprivacyauthorization');
    const detail = await agreed;
    expect(detail).toMatchObject({ code: expect.any(String) });
    page.querySelector('#phone-button')?.dispatchEvent('getphonenumber', { detail });
    await waitFor(() => textOf(page, '#phone') === '手机号：+8613912345678', 'the bound phone');
    expect(textOf(page, '#privacy-popup', '#privacy-dialog')).toBeUndefined();
    expect((await service.wxlogin.admin.getUser(user.id)).user.phone).toBe('+8613912345678');
  });

  it('saves the nickname read on form submit, and the avatar uploaded to the team storage as an https URL', async () => {
    const device = launch();
    const home = device.open('index');
    await loggedIn(home);
    const user = await device.client.ready();
    home.querySelector('#open-profile')?.dispatchEvent('tap');
    await waitFor(() => device.navigations.length > 0, 'the navigation to the profile page');
    expect(device.navigations).toEqual(['/pages/profile/profile']);
    const profile = device.open('profile');
    await waitFor(() => textOf(profile, '#nickname') === '当前昵称：未设置', 'the profile page');

    expect(wiring(profile, '#profile-form')).toMatchObject({ tag: 'wx-form', events: { submit: 'onSubmit' } });
    expect(wiring(profile, '#nickname-input')).toMatchObject({
      tag: 'wx-input',
      attrs: { type: 'nickname', name: 'nickname' },
    });
    expect(wiring(profile, '#save-button')).toMatchObject({ attrs: { formType: 'submit' } });
    expect(wiring(profile, '#avatar-button')).toMatchObject({
      attrs: { openType: 'chooseAvatar' },
      events: { chooseavatar: 'onChooseAvatar' },
    });

    // An empty nickname (WeChat cleared a rejected one on blur) is caught on the page, without a request.
    const requestsBefore = device.wx.control.requests.total;
    profile.querySelector('#profile-form')?.dispatchEvent('submit', { detail: { value: { nickname: '  ' } } });
    expect(await waitFor(() => textOf(profile, '#profile-message'), 'the empty-nickname message')).toBe('请填写昵称');
    expect(device.wx.control.requests.total).toBe(requestsBefore);

    profile
      .querySelector('#profile-form')
      ?.dispatchEvent('submit', { detail: { value: { nickname: '小程序用户小王' } } });
    await waitFor(() => textOf(profile, '#nickname') === '当前昵称：小程序用户小王', 'the saved nickname');
    expect(textOf(profile, '#profile-message')).toBe('昵称已保存');
    expect((await service.wxlogin.admin.getUser(user.id)).user.nickname).toBe('小程序用户小王');
    // The index page hears of it through onChange.
    await waitFor(() => textOf(home, '#welcome') === '已登录：小程序用户小王', 'the nickname on the index page');

    // chooseAvatar hands a temporary path; the page uploads it and saves only the https URL the storage answers.
    const { avatarUrl: tempPath } = await device.wx.control.chooseAvatar();
    expect(tempPath).toMatch(/^http:\/\/tmp\//);
    profile.querySelector('#avatar-button')?.dispatchEvent('chooseavatar', { detail: { avatarUrl: tempPath } });
    await waitFor(() => textOf(profile, '#profile-message') === '头像已更新', 'the avatar saved');
    const saved = (await service.wxlogin.admin.getUser(user.id)).user.avatarUrl;
    expect(saved).toMatch(new RegExp(`^https://cdn\\.example\\.test/avatars/${user.id}/[0-9a-f]{16}\\.jpeg$`));
    expect(uploaded.at(-1)).toMatchObject({ userId: user.id, field: 'file', type: 'image/jpeg' });
    expect(uploaded.at(-1)?.bytes).toBeGreaterThan(0);
    expect(profile.querySelector('#avatar')?.dom).toBeDefined();
    await waitFor(() => home.querySelector('#avatar'), 'the avatar on the index page');
  });

  it('shows the service error with errorMessage(code), and logs in on retry', async () => {
    const { openid } = simulator.login({ appid: DEV_APPID });
    simulator.blockUser(DEV_APPID, openid);
    const device = launch({ openid });
    const page = device.open('index');
    const shown = await waitFor(() => textOf(page, '#login-error-text'), 'the login error');
    expect(shown).toBe(device.sdk.errorMessage('USER_BLOCKED'));

    simulator.blockUser(DEV_APPID, openid, false);
    page.querySelector('#retry')?.dispatchEvent('tap');
    await loggedIn(page);
    expect((await device.client.ready()).openid).toBe(openid);
  });

  it('in DevTools mode gets its codes from the simulator control API, never from wx.login, as one WeChat user', async () => {
    const device = launch({}, { simulatorLogin: true });
    const page = device.open('index');
    await loggedIn(page);
    const first = await device.client.ready();
    expect(device.wx.control.logins).toBe(0);
    expect(device.wx.getStorageSync('wxlogin-dev-openid')).toBe(first.openid);

    // Logged out and in again: the code provider asks for the same openid, so it is the same user.
    await device.client.logout();
    expect(device.client.isLoggedIn()).toBe(false);
    const again = await device.client.ready();
    expect(again.id).toBe(first.id);
    expect(device.wx.control.logins).toBe(0);
  });
});

/** Every .js file of the mini program, its miniprogram_npm left out. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'miniprogram_npm') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.js') ? [path] : [];
  });
}

type Resolve = (request: string, parent: { filename?: string | null } | undefined, ...rest: unknown[]) => string;

/**
 * Resolves `require(name)` from a file of the mini program as WeChat does: `miniprogram_npm/<name>` (a file
 * `<name>.js` or a folder's `index.js`) in the requiring file's folder, then in each parent up to the miniprogram
 * root; a name found nowhere fails, as it would on a device (no node_modules, no Node builtins). Relative and
 * absolute paths are left to Node. Returns the undo.
 */
function resolveLikeWeChat(root: string, log: { request: string; from: string; to: string }[]): () => void {
  const loader = Module as unknown as { _resolveFilename: Resolve };
  const original = loader._resolveFilename;
  loader._resolveFilename = function (this: unknown, request, parent, ...rest) {
    const from = parent?.filename ?? undefined;
    const bare = !request.startsWith('.') && !request.startsWith('/') && !/^[a-zA-Z]:[\\/]/.test(request);
    if (from === undefined || !bare || !from.startsWith(root + sep))
      return original.call(this, request, parent, ...rest);
    for (let dir = dirname(from); ; dir = dirname(dir)) {
      const base = join(dir, 'miniprogram_npm', request);
      const found = [`${base}.js`, join(base, 'index.js')].find(
        (candidate) => existsSync(candidate) && statSync(candidate).isFile(),
      );
      if (found !== undefined) {
        log.push({ request, from, to: found });
        return found;
      }
      if (dir === root || !dir.startsWith(root)) break;
    }
    throw Object.assign(
      new Error(
        `module '${request}' is not defined: no miniprogram_npm/${request} from ${relative(root, from)} up to the miniprogram root`,
      ),
      {
        code: 'MODULE_NOT_FOUND',
      },
    );
  };
  return () => {
    loader._resolveFilename = original;
  };
}
