/** The console's one stylesheet (served at /assets/console.css): system fonts, no framework. */
export const CONSOLE_CSS = `
:root { --fg: #1d2430; --muted: #5b6577; --line: #d9dee7; --bg: #f6f7f9; --ok: #17663a; --bad: #a4161a; --warn: #8a5a00; --accent: #1f4f99; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 24px; align-items: center; padding: 10px 24px; background: #14213d; color: #fff; }
header a { color: #dbe4ff; text-decoration: none; } header a.active, header a:hover { color: #fff; text-decoration: underline; }
header .brand { font-weight: 600; color: #fff; } header .user { margin-left: auto; font-size: 13px; color: #c9d2e3; }
header form { display: inline; } header button { background: none; border: 1px solid #7d8bb0; color: #fff; border-radius: 4px; cursor: pointer; }
main { max-width: 1200px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 20px; margin: 4px 0 16px; } h2 { font-size: 16px; margin: 20px 0 8px; }
form.search { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; background: #fff; padding: 12px; border: 1px solid var(--line); border-radius: 6px; }
label { display: flex; flex-direction: column; gap: 4px; font-size: 12px; color: var(--muted); }
input, select, textarea { font: inherit; padding: 5px 8px; border: 1px solid #b8c0cf; border-radius: 4px; }
button, .button { font: inherit; padding: 6px 12px; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary { background: #fff; color: var(--accent); }
table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; background: #fbfcfd; }
td.mono, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 12.5px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin-bottom: 14px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; } .facts dt { color: var(--muted); }
.state { display: inline-block; white-space: nowrap; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; border: 1px solid currentColor; }
.state.delivered, .state.ACKED, .state.replayed, .state.shown, .state.up-to-date, .state.ready, .state.released { color: var(--ok); }
.state.dead-lettered, .state.DEAD, .state.NACKED, .state.failed, .state.retrying, .state.held, .state.HELD, .state.unreachable, .state.not-ready, .state.refused { color: var(--bad); }
.state.pending, .state.RETRYING, .state.not-found, .state.catching-up, .state.unknown, .state.no-answer, .state.not-kept { color: var(--warn); } .state.skipped, .state.SKIPPED { color: var(--muted); }
.muted { color: var(--muted); } .empty { padding: 16px; color: var(--muted); background: #fff; border: 1px dashed var(--line); }
.segment { margin-bottom: 10px; } .segment h3 { font-size: 13px; margin: 0 0 4px; font-family: ui-monospace, Menlo, monospace; }
.components { color: var(--muted); font-size: 12px; }
pre.raw { background: #fff; border: 1px solid var(--line); padding: 10px; overflow-x: auto; font-size: 12px; }
.notice { background: #fff8e1; border: 1px solid #f0d48a; padding: 8px 12px; border-radius: 4px; margin-bottom: 12px; }
.actions { display: flex; gap: 8px; align-items: end; margin: 10px 0; }
`;
