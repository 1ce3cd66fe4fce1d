// The page elements of one chart: a titled section with its export buttons, the box uPlot draws
// into, and the note shown instead when no run has the chart's metrics. Built apart from ChartView
// so the view's code is about drawing state, not markup.
import type { ChartDef } from './charts';
import { button } from './controls';

export interface ChartSectionParts {
  section: HTMLElement;
  plotHost: HTMLElement;
  emptyNote: HTMLElement;
}

let nextId = 0;

export function chartSection(def: ChartDef, exportPng: () => void, exportSvg: () => void): ChartSectionParts {
  const id = `tl-chart-${nextId++}`;
  const section = document.createElement('section');
  section.className = 'tl-chart';
  section.setAttribute('aria-labelledby', `${id}-title`);
  const header = document.createElement('header');
  const title = document.createElement('h3');
  title.id = `${id}-title`;
  title.textContent = def.title;
  const tools = document.createElement('span');
  tools.className = 'tl-chart-tools';
  tools.append(
    button('PNG', exportPng, { secondary: true, ariaLabel: `Export ${def.title} as PNG`, title: 'Save this chart as a PNG image' }),
    button('SVG', exportSvg, { secondary: true, ariaLabel: `Export ${def.title} as SVG`, title: 'Save this chart as an SVG drawing' }),
  );
  header.append(title, tools);
  const plotHost = document.createElement('div');
  plotHost.className = 'tl-plot';
  plotHost.setAttribute('role', 'img');
  const emptyNote = document.createElement('p');
  emptyNote.className = 'tl-empty';
  emptyNote.textContent = def.empty;
  emptyNote.hidden = true;
  section.append(header, plotHost, emptyNote);
  return { section, plotHost, emptyNote };
}
