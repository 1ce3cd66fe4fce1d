// Every use of @vscode/webview-ui-toolkit lives here, so the panel can move to its successor
// @vscode-elements/elements (near-identical tags) by changing this file only. The toolkit is loaded
// by the page as its own module script and registers its elements itself; this module only creates
// them. Until (unless) an element is defined, state is written as attributes, never as properties:
// a property set on an un-upgraded element would shadow the component's own accessor.

export interface Control<T> {
  readonly el: HTMLElement;
  get(): T;
  set(value: T): void;
}

function defined(el: Element): boolean {
  return customElements.get(el.localName) !== undefined;
}

function h<K extends string>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

type WithChecked = HTMLElement & { checked: boolean };
type WithValue = HTMLElement & { value: string };

/** A checkbox whose visible label is its accessible name (the toolkit sets aria-label from it). */
export function checkbox(
  label: string,
  checked: boolean,
  onChange: (checked: boolean) => void,
  opts: { swatch?: string } = {},
): Control<boolean> {
  const el = h('vscode-checkbox') as WithChecked;
  if (opts.swatch) {
    const sw = h('span', { class: 'tl-swatch', 'aria-hidden': 'true' });
    sw.style.backgroundColor = opts.swatch;
    el.append(sw);
  }
  el.append(document.createTextNode(label));
  const read = () => (defined(el) ? el.checked : el.hasAttribute('checked'));
  const write = (v: boolean) => {
    if (defined(el)) el.checked = v;
    else el.toggleAttribute('checked', v);
  };
  el.toggleAttribute('checked', checked);
  el.addEventListener('change', () => onChange(read()));
  return { el, get: read, set: write };
}

/** A dropdown with a label element in front of it. */
export function dropdown(
  label: string,
  options: ReadonlyArray<{ value: string; label: string }>,
  value: string,
  onChange: (value: string) => void,
): Control<string> & { setOptions(options: ReadonlyArray<{ value: string; label: string }>, value: string): void } {
  const wrap = h('span', { class: 'tl-field' });
  const id = `tl-dd-${Math.random().toString(36).slice(2, 9)}`;
  const lab = h('label', { for: id }, label);
  const el = h('vscode-dropdown', { id, 'aria-label': label, position: 'below' }) as WithValue;
  const fill = (opts: ReadonlyArray<{ value: string; label: string }>, v: string) => {
    el.replaceChildren(
      ...opts.map((o) => h('vscode-option', o.value === v ? { value: o.value, selected: '' } : { value: o.value }, o.label)),
    );
    if (defined(el)) el.value = v;
  };
  fill(options, value);
  wrap.append(lab, el);
  el.addEventListener('change', () => onChange(el.value));
  return {
    el: wrap,
    get: () => el.value,
    set: (v) => {
      if (defined(el)) el.value = v;
      else for (const o of Array.from(el.children)) o.toggleAttribute('selected', o.getAttribute('value') === v);
    },
    setOptions: fill,
  };
}

/** A button; `icon` buttons are compact (chart toolbars). */
export function button(
  label: string,
  onClick: () => void,
  opts: { ariaLabel?: string; secondary?: boolean; title?: string } = {},
): HTMLElement {
  const attrs: Record<string, string> = {};
  if (opts.secondary) attrs.appearance = 'secondary';
  if (opts.ariaLabel) attrs['aria-label'] = opts.ariaLabel;
  if (opts.title) attrs.title = opts.title;
  const el = h('vscode-button', attrs, label);
  el.addEventListener('click', onClick);
  return el;
}

/**
 * A range slider. The toolkit has none, so this is a native input styled from the theme's
 * variables (see panel.css); with a value read-out next to it.
 */
export function slider(
  label: string,
  min: number,
  max: number,
  step: number,
  value: number,
  onInput: (v: number) => void,
  format: (v: number) => string,
): Control<number> {
  const wrap = h('span', { class: 'tl-field tl-slider' });
  const id = `tl-sl-${Math.random().toString(36).slice(2, 9)}`;
  const lab = h('label', { for: id }, label);
  const input = h('input', {
    id,
    type: 'range',
    min: String(min),
    max: String(max),
    step: String(step),
    'aria-label': label,
  }) as HTMLInputElement;
  input.value = String(value);
  const out = h('output', { for: id, 'aria-live': 'off' }, format(value));
  input.addEventListener('input', () => {
    const v = Number(input.value);
    out.textContent = format(v);
    input.setAttribute('aria-valuetext', format(v));
    onInput(v);
  });
  wrap.append(lab, input, out);
  return {
    el: wrap,
    get: () => Number(input.value),
    set: (v) => {
      input.value = String(v);
      out.textContent = format(v);
    },
  };
}

export function divider(): HTMLElement {
  return h('vscode-divider', { role: 'separator' });
}
