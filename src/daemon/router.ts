import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly params: Record<string, string>;
}

export type Handler = (ctx: RouteContext) => Promise<void> | void;

interface Route {
  readonly method: string;
  readonly re: RegExp;
  readonly names: string[];
  readonly handler: Handler;
}

/** A small path router: patterns like '/api/v1/torrents/:id/start'. */
export class Router {
  private readonly routes: Route[] = [];

  on(method: string, pattern: string, handler: Handler): this {
    const names: string[] = [];
    const re = new RegExp(
      '^' +
        pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:([a-zA-Z]+)/g, (_, n: string) => {
          names.push(n);
          return '([^/]+)';
        }) +
        '/?$',
    );
    this.routes.push({ method, re, names, handler });
    return this;
  }

  /** The handler and params for a request, or undefined. HEAD matches GET routes. */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | undefined {
    const m2 = method === 'HEAD' ? 'GET' : method;
    for (const r of this.routes) {
      if (r.method !== m2) continue;
      const m = r.re.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1]!);
      });
      return { handler: r.handler, params };
    }
    return undefined;
  }
}
