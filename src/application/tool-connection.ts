// The CLI reaches infrastructure only through the application layer: its inspection commands
// (`herald streams`) need a connection to any topology and the key names that topology uses.
export { openToolConnection } from '../infrastructure/redis/tool-connection.js';
export type { ToolConnection, ToolConnectionOptions } from '../infrastructure/redis/tool-connection.js';
