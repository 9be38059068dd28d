// The functions a browser suite passes to page.evaluate run in the page, but are type-checked in a Node program,
// which need not have the DOM library. They reach the page's globals through this narrow view of them instead:
// `(globalThis as unknown as InPage).document`, a cast that is erased, so the function still serializes as it reads.

/** An element, as far as the in-page functions use one. */
export interface InPageElement {
  matches(selector: string): boolean;
  getAttribute(name: string): string | null;
  readonly outerHTML: string;
}

/** A CSP violation event's fields the suites record. */
export interface InPageViolation {
  readonly violatedDirective: string;
  readonly blockedURI: string;
}

/** The page's globals that the in-page functions use. */
export interface InPage {
  document: {
    readonly activeElement: InPageElement | null;
    readonly body: InPageElement | null;
    addEventListener(type: 'securitypolicyviolation', listener: (event: InPageViolation) => void): void;
  };
  sessionStorage: { getItem(key: string): string | null };
  location: { hash: string };
  getComputedStyle(element: InPageElement): { outlineStyle: string; outlineWidth: string; boxShadow: string };
  /** Filled by the suites' init script. */
  __cspViolations?: string[];
}
