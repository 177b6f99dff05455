/**
 * Colours for canvases. Chart.js draws on canvas, which cannot use `var()`: the palette is read at run
 * time from `--lt-*` custom properties (media/dashboard.css maps them to `--vscode-*` with fallbacks for
 * light, dark and high contrast) and re-read when VS Code switches theme (body class / data attribute).
 */
import type { Bucket } from '../../src/protocol/report';

/** Resolved colours and font for charts. */
export interface Palette {
  readonly fg: string;
  readonly muted: string;
  readonly bg: string;
  readonly grid: string;
  readonly border: string;
  readonly accent: string;
  readonly good: string;
  readonly bad: string;
  readonly heat: string;
  readonly bucket: Readonly<Record<Bucket, string>>;
  readonly fontFamily: string;
  readonly fontSize: number;
  /** True in high-contrast themes (thicker lines, no translucent fills). */
  readonly highContrast: boolean;
}

function read(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v || fallback;
}

/** Reads the palette from the body's computed style now. */
export function readPalette(): Palette {
  const style = getComputedStyle(document.body);
  const cls = document.body.classList;
  return {
    fg: read(style, '--lt-fg', '#1f2328'),
    muted: read(style, '--lt-muted', '#59636e'),
    bg: read(style, '--lt-bg', '#ffffff'),
    grid: read(style, '--lt-grid', 'rgba(128,128,128,0.25)'),
    border: read(style, '--lt-border', '#d0d7de'),
    accent: read(style, '--lt-accent', '#1a7f37'),
    good: read(style, '--lt-good', '#1a7f37'),
    bad: read(style, '--lt-bad', '#cf222e'),
    heat: read(style, '--lt-heat', '#0969da'),
    bucket: {
      many: read(style, '--lt-many', '#0969da'),
      medium: read(style, '--lt-medium', '#bc4c00'),
      few: read(style, '--lt-few', '#8250df'),
    },
    fontFamily: read(style, '--lt-font-family', 'system-ui, sans-serif'),
    fontSize: parseFloat(read(style, '--lt-font-size', '13')) || 13,
    highContrast: cls.contains('vscode-high-contrast') || cls.contains('vscode-high-contrast-light'),
  };
}

/** A stable string for "did the theme change?" checks. */
export function paletteKey(p: Palette): string {
  return JSON.stringify(p);
}

let probe: CanvasRenderingContext2D | null = null;
/** Any CSS colour with its alpha replaced by `alpha` (parsed through a canvas). */
export function withAlpha(colour: string, alpha: number): string {
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe) return colour;
  probe.fillStyle = '#000000';
  probe.fillStyle = colour;
  const norm = String(probe.fillStyle);
  const hex = /^#([0-9a-f]{6})$/i.exec(norm);
  if (hex) {
    const n = parseInt(hex[1], 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }
  const rgba = /^rgba?\(([^,]+),([^,]+),([^,)]+)/.exec(norm);
  return rgba ? `rgba(${rgba[1].trim()}, ${rgba[2].trim()}, ${rgba[3].trim()}, ${alpha})` : colour;
}

/**
 * Calls `onChange` (once per animation frame at most) when VS Code switches theme: it toggles body classes
 * vscode-light / vscode-dark / vscode-high-contrast and `data-vscode-theme-kind`, and rewrites the
 * `--vscode-*` variables in the html element's style. Returns a function that stops observing.
 */
export function observeTheme(onChange: () => void): () => void {
  let last = paletteKey(readPalette());
  let scheduled = false;
  const check = (): void => {
    scheduled = false;
    const key = paletteKey(readPalette());
    if (key !== last) {
      last = key;
      onChange();
    }
  };
  const observer = new MutationObserver(() => {
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(check);
    }
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return () => observer.disconnect();
}
