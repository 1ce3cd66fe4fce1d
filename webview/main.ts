// Entry of the comparison panel's webview bundle (dist/webview.js + dist/webview.css).
import 'uplot/dist/uPlot.min.css';
import './panel.css';
import './predictions.css';
import { App } from './app';

const root = document.getElementById('app');
if (!root) throw new Error('the panel page has no #app element');
new App(root).start();
