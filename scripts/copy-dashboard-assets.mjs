// Part of `npm run build`: tsc compiles only TypeScript, so the dashboard's
// page (plain HTML, JS and CSS, no bundler) is copied beside the compiled handler.
import { cpSync } from 'node:fs';

cpSync(new URL('../src/dashboard/public/', import.meta.url), new URL('../dist/src/dashboard/public/', import.meta.url), { recursive: true });
