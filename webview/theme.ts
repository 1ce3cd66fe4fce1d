// Chart colours from the VS Code theme's CSS variables. Canvas drawing cannot use var(), so the
// values are read once per theme; VS Code switches the theme by changing the body's class
// (vscode-light / vscode-dark / vscode-high-contrast) and the variables with it.

export interface ThemeColors {
  foreground: string;
  background: string;
  grid: string;
  axis: string;
  fontFamily: string;
  fontSize: number;
  highContrast: boolean;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v || fallback;
}

export function readTheme(): ThemeColors {
  const style = getComputedStyle(document.body);
  const light = document.body.classList.contains('vscode-light') || document.body.classList.contains('vscode-high-contrast-light');
  const highContrast = document.body.classList.contains('vscode-high-contrast');
  const foreground = cssVar(style, '--vscode-editor-foreground', cssVar(style, '--vscode-foreground', light ? '#333333' : '#cccccc'));
  return {
    foreground,
    background: cssVar(style, '--vscode-editor-background', light ? '#ffffff' : '#1e1e1e'),
    grid: cssVar(style, '--vscode-editorWidget-border', cssVar(style, '--vscode-panel-border', light ? '#e5e5e5' : '#3c3c3c')),
    axis: cssVar(style, '--vscode-descriptionForeground', foreground),
    fontFamily: cssVar(style, '--vscode-font-family', 'sans-serif'),
    fontSize: parseFloat(cssVar(style, '--vscode-font-size', '13')) || 13,
    highContrast,
  };
}

/** Calls `onChange` (once per frame at most) when the body's theme class changes. */
export function watchTheme(onChange: () => void): MutationObserver {
  let pending = false;
  const obs = new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      onChange();
    });
  });
  obs.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  return obs;
}
