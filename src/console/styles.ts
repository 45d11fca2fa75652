/**
 * The console's whole stylesheet, inlined in every page: one small string is cheaper than a second
 * request and keeps the console a single server-rendered response with no build step. Colours
 * follow the hosted sign-in pages; contrast of text on its background is at least 4.5:1.
 */
export const CONSOLE_STYLES = `
:root{color-scheme:light dark;--brand:#5d34f2;--brand-dark:#4521c9;--ink:#1d2433;--muted:#5b6475;--line:#e1e4ea;--bg:#f4f5f7;--card:#fff;
--ok:#13703a;--ok-bg:#e3f5ea;--warn:#8a5300;--warn-bg:#fff1d6;--err:#a11b1b;--err-bg:#fdecec;--idle:#4b5563;--idle-bg:#eceef2;
--subtle:#fafbfc;--hover:#fafaff;--field:#fff;--field-line:#c8cdd6;--readonly:#f7f7fa;--accent-bg:#efeafe;--danger:#c62828;--danger-dark:#a11b1b;--btn:#5d34f2;--btn-hover:#4521c9}
@media (prefers-color-scheme:dark){:root{--brand:#a48bff;--brand-dark:#c4b5ff;--ink:#e6e8ee;--muted:#a3abbb;--line:#323848;--bg:#12151c;--card:#1b1f29;
--ok:#7ee2a3;--ok-bg:#12351f;--warn:#f5c46b;--warn-bg:#3b2c0d;--err:#ff9d9d;--err-bg:#3d1717;--idle:#c2c8d4;--idle-bg:#2b303c;
--subtle:#20242f;--hover:#222738;--field:#141821;--field-line:#4a5163;--readonly:#1f2430;--accent-bg:#2c2450;--danger:#d33b3b;--danger-dark:#b52a2a;--btn:#6846f4;--btn-hover:#5d34f2}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--ink)}
a{color:var(--brand)} a:hover{color:var(--brand-dark)}
:focus-visible{outline:3px solid #9b82ff;outline-offset:2px}
.skip{position:absolute;left:-9999px;top:8px;background:var(--card);padding:8px 12px;border-radius:6px;z-index:10}
.skip:focus{left:8px}
header.top{background:var(--card);border-bottom:1px solid var(--line)}
.top-inner{max-width:1120px;margin:0 auto;padding:10px 20px;display:flex;align-items:center;gap:20px;flex-wrap:wrap}
.brand{font-weight:700;font-size:1.05rem;color:var(--ink);text-decoration:none;display:flex;align-items:center;gap:8px}
.brand-mark{width:26px;height:26px;border-radius:7px;background:var(--btn);color:#fff;display:grid;place-items:center;font-size:.85rem}
nav.main{display:flex;gap:4px;flex:1;overflow-x:auto}
nav.main a{white-space:nowrap}
nav.main a{padding:6px 10px;border-radius:6px;text-decoration:none;color:var(--muted);font-weight:600}
nav.main a[aria-current]{background:var(--accent-bg);color:var(--brand-dark)}
main{max-width:1120px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:1.6rem;margin:0;line-height:1.25} h1.mono{font-size:1.35rem;word-break:break-all} h2{font-size:1.15rem;margin:0 0 4px} h3{font-size:1rem;margin:16px 0 6px}
.subtitle{color:var(--muted);margin:4px 0 0}
.signed-in-as{color:var(--muted);font-size:13px;overflow-wrap:anywhere}
.page-head{display:flex;justify-content:space-between;align-items:flex-start;gap:16px;flex-wrap:wrap;margin-bottom:20px}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:20px;margin-bottom:20px}
.card > h2 + .subtitle{margin-bottom:12px} .card > h1 + .subtitle{margin-bottom:18px}
.btn{display:inline-flex;align-items:center;justify-content:center;gap:6px;padding:8px 14px;border-radius:8px;border:1px solid transparent;
font:inherit;font-weight:600;cursor:pointer;text-decoration:none;line-height:1.3;white-space:nowrap}
.btn-primary{background:var(--btn);color:#fff} .btn-primary:hover{background:var(--btn-hover);color:#fff}
.btn-secondary{background:var(--card);color:var(--ink);border-color:var(--field-line)} .btn-secondary:hover{background:var(--readonly);color:var(--ink)}
.btn-danger{background:var(--danger);color:#fff} .btn-danger:hover{background:var(--danger-dark);color:#fff}
.btn-small{padding:4px 10px;font-size:.85rem}
.actions{display:flex;gap:8px;flex-wrap:wrap;align-items:center}
.inline{display:inline}
.table-wrap{overflow-x:auto;background:var(--card);border:1px solid var(--line);border-radius:12px}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;padding:11px 14px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted);background:var(--subtle)}
table.kv th{text-transform:none;letter-spacing:0;font-weight:600;width:35%;word-break:break-all}
table.kv td{word-break:break-all}
tbody tr:last-child td{border-bottom:0} tbody tr:hover{background:var(--hover)}
td.num{font-variant-numeric:tabular-nums}
.name-cell .hint{word-break:break-all}
.name-cell a{font-weight:600;text-decoration:none} .name-cell a:hover{text-decoration:underline}
.events-cell{color:var(--muted);max-width:420px}
.tag{display:inline-block;padding:2px 8px;border-radius:999px;font-size:.8rem;font-weight:600;white-space:nowrap}
.tag-ok{background:var(--ok-bg);color:var(--ok)} .tag-warn{background:var(--warn-bg);color:var(--warn)}
.tag-err{background:var(--err-bg);color:var(--err)} .tag-idle{background:var(--idle-bg);color:var(--idle)}
.tag-info{background:var(--accent-bg);color:var(--brand-dark)}
.notice,.alert{padding:10px 14px;border-radius:8px;margin:0 0 16px}
.notice{background:var(--ok-bg);color:var(--ok)} .alert{background:var(--err-bg);color:var(--err)}
.alert ul{margin:6px 0 0;padding-left:20px} .alert a{color:var(--err)}
label,.label{display:block;font-weight:600;font-size:.9rem;margin:0 0 4px}
.field{margin-bottom:18px}
.hint{color:var(--muted);font-size:.85rem;margin:4px 0 0}
.field-error{color:var(--err);font-size:.85rem;margin:4px 0 0;font-weight:600}
input[type=text],input[type=url],input[type=password],input[type=search],input[type=email],input[type=tel],input[type=datetime-local],select,textarea{
width:100%;padding:9px 11px;border:1px solid var(--field-line);border-radius:8px;font:inherit;background:var(--field);color:var(--ink)}
input[aria-invalid=true],select[aria-invalid=true]{border-color:var(--err);background:var(--err-bg)}
input[readonly]{background:var(--readonly)}
fieldset{border:1px solid var(--line);border-radius:10px;padding:12px 14px;margin:0 0 12px}
legend{font-weight:600;padding:0 6px;font-size:.9rem}
.events-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:0 12px}
.check{display:flex;align-items:flex-start;gap:8px;font-weight:400;margin:4px 0;font-size:.92rem}
.check input{margin-top:3px;width:16px;height:16px;flex:none}
.check .unavailable{color:var(--muted)}
.events-block[aria-invalid=true] fieldset{border-color:var(--err)}
.key-row{display:flex;gap:8px;align-items:center} .key-row input{flex:1;font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
.header-row{display:grid;grid-template-columns:1fr 1.4fr auto;gap:8px;margin-bottom:8px;align-items:start}
.mono,code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem}
pre{background:var(--readonly);border:1px solid var(--line);border-radius:8px;padding:10px 12px;overflow:auto;max-height:420px;white-space:pre-wrap;word-break:break-word;margin:4px 0 0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:6px 16px;margin:0}
dl.facts dt{color:var(--muted);font-size:.9rem} dl.facts dd{margin:0;word-break:break-all}
.tabs{display:flex;gap:4px;border-bottom:1px solid var(--line);margin:0 0 20px;overflow-x:auto}
.tabs a{padding:10px 14px;text-decoration:none;color:var(--muted);font-weight:600;border-bottom:2px solid transparent;white-space:nowrap}
.tabs a[aria-current=page]{color:var(--brand-dark);border-bottom-color:var(--brand)}
.hook-head{display:flex;gap:16px;align-items:flex-start;justify-content:space-between;flex-wrap:wrap}
.hook-meta{display:flex;gap:10px;align-items:center;flex-wrap:wrap;margin-top:6px;color:var(--muted)}
.chart-card{display:grid;grid-template-columns:1fr;gap:8px}
.chart{width:100%;height:auto;max-height:160px}
.legend{display:flex;gap:4px 14px;flex-wrap:wrap;font-size:.85rem;color:var(--muted)}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.swatch-ok{background:#2f9e5b} .swatch-err{background:#d64545}
.pagination{display:flex;justify-content:space-between;align-items:center;gap:12px;margin-top:12px;color:var(--muted);flex-wrap:wrap}
.empty{text-align:center;padding:48px 20px}
.empty p{color:var(--muted);max-width:520px;margin:8px auto 20px}
.filters{display:flex;gap:12px;align-items:flex-end;flex-wrap:wrap;margin-bottom:12px}
.filters .field{margin:0;min-width:180px}
.attempt{border:1px solid var(--line);border-radius:10px;padding:14px;margin-bottom:14px;background:var(--card)}
.attempt details > summary{cursor:pointer;font-weight:600;margin:4px 0 8px}
.attempt-head{display:flex;gap:10px;align-items:center;flex-wrap:wrap;margin-bottom:8px}
.grid-2{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.confirm{max-width:560px}
.section-gap{margin-top:20px}
.signin{max-width:420px;margin:8vh auto}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.js-only{display:none} .has-js .js-only{display:inline-flex}
.chart text{fill:var(--muted)} .chart line{stroke:var(--line)}
.secret{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.95rem;word-break:break-all;background:var(--readonly);border:1px solid var(--line);border-radius:8px;padding:10px 12px;margin:6px 0}
.live-status{font-size:.85rem;color:var(--muted)}
.list-inline{margin:0;padding-left:18px}
.event-entry{border-top:1px solid var(--line);padding:14px 0} .event-entry:first-of-type{border-top:0}
.event-entry h3{margin:0 0 4px}
.row-form{display:flex;gap:8px;align-items:flex-end;flex-wrap:wrap} .row-form .field{margin:0;flex:1;min-width:200px}
@media (max-width:720px){
  main{padding:16px 12px 40px} .top-inner{padding:8px 12px;gap:10px}
  h1{font-size:1.35rem} .card{padding:14px}
  .grid-2{grid-template-columns:1fr}
  .header-row{grid-template-columns:1fr}
  .key-row{flex-wrap:wrap} .key-row input{flex:1 1 100%}
  th,td{padding:9px 10px}
  /* Tables become one card per row, each cell labelled by its column, so no column is lost. */
  table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
  table.stack tr{display:block;border-bottom:1px solid var(--line);padding:6px 0}
  table.stack tbody tr:last-child{border-bottom:0}
  table.stack td{display:grid;grid-template-columns:7.5rem minmax(0,1fr);gap:8px;border:0;padding:4px 12px;overflow-wrap:anywhere}
  table.stack td::before{content:attr(data-label);font-size:.8rem;font-weight:600;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
  .events-cell{max-width:none}
  .brand-word{display:none}
  nav.main{order:3;flex-basis:100%}
  nav.main a{padding:6px 8px}
}
`;
