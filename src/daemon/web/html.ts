// htm bound to preact's h: tagged templates instead of JSX, so the UI needs no bundler.
import { h } from 'preact';
import type { VNode } from 'preact';
import htm from 'htm';

export const html = htm.bind(h) as (strings: TemplateStringsArray, ...values: unknown[]) => VNode;
export type { VNode };
