// The part of @tapeline/fix-session that loads jspurefix (seconds: every generated FIX type).
// Import it only from modules that are themselves loaded on the first connect.
export { SessionShell } from './session-shell';
export { startFixEntity } from './fix-entity';
