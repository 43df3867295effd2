import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { applyTheme, loadTheme } from './lib/theme';

// Before the first paint, so a dark system or choice never flashes light.
applyTheme(loadTheme(localStorage));

const target = document.getElementById('app');
if (!target) throw new Error('missing #app element');

export default mount(App, { target });
