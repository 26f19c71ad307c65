//! The one stylesheet: mobile-first, large tap targets, readable without any script.

/// Served at `/static/site.css`.
pub const SITE_CSS: &str = r#"
:root { --ink:#1b1b1b; --muted:#555; --line:#c8c8c8; --accent:#0b5cad; --accent-ink:#fff;
  --bad:#b00020; --bad-bg:#fdecee; --ok-bg:#eef6ee; --help-bg:#fff6e0; --help-line:#e0a100; }
* { box-sizing: border-box; }
html { font-size: 112.5%; -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fafafa; line-height: 1.7;
  font-family: "Hiragino Sans", "Noto Sans JP", "Yu Gothic", Meiryo, system-ui, sans-serif; }
header.site { background: #fff; border-bottom: 1px solid var(--line); padding: .5rem 1rem;
  display: flex; justify-content: space-between; align-items: center; gap: .5rem; flex-wrap: wrap; }
header.site .brand { font-weight: bold; color: var(--ink); text-decoration: none; }
header.site nav a, header.site nav button { margin-left: .75rem; }
main { max-width: 42rem; margin: 0 auto; padding: 1rem; }
main.wide { max-width: 80rem; }
h1 { font-size: 1.4rem; line-height: 1.4; }
h2 { font-size: 1.15rem; }
a { color: var(--accent); }
.lang-switch { font-size: .9rem; }
.lang-switch a, .lang-switch button.link { display: inline-flex; align-items: center; justify-content: center;
  min-height: 2.75rem; min-width: 2.75rem; padding: 0 .5rem; font-size: .9rem; }
fieldset { border: 0; margin: 0 0 1.5rem; padding: 0; }
.item > fieldset:last-child, .grid-row:last-child > fieldset { margin-bottom: 0; }
legend, .label { font-weight: bold; margin-bottom: .5rem; display: block; padding: 0; }
.item { background: #fff; border: 1px solid var(--line); border-radius: .5rem; padding: 1rem; margin-bottom: 1rem; }
.item.has-error { border-color: var(--bad); background: var(--bad-bg); }
.item .number { color: var(--muted); margin-right: .25rem; }
.error-text { color: var(--bad); font-weight: bold; margin: .25rem 0 .5rem; }
.choice { display: flex; align-items: center; gap: .75rem; min-height: 3rem; padding: .25rem .5rem;
  border: 1px solid var(--line); border-radius: .4rem; margin: .4rem 0; background: #fff; cursor: pointer; }
.choice input { width: 1.5rem; height: 1.5rem; flex: none; margin: 0; }
.choice:focus-within { outline: 3px solid var(--accent); outline-offset: 1px; }
input[type=text], input[type=number], input[type=password], input[type=email], input[type=tel], textarea, select {
  font-size: 1.1rem; padding: .6rem; width: 100%; border: 1px solid #888; border-radius: .4rem; background: #fff; }
input[type=number] { max-width: 10rem; }
input[inputmode=numeric], input[inputmode=decimal] { width: 8rem; }
textarea { min-height: 7rem; }
input:focus, textarea:focus, select:focus, button:focus, a:focus { outline: 3px solid var(--accent); outline-offset: 1px; }
button, .button { display: inline-block; font-size: 1.1rem; min-height: 3rem; padding: .6rem 1.4rem;
  border-radius: .4rem; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-ink);
  cursor: pointer; text-decoration: none; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button.link { background: none; border: 0; color: var(--accent); text-decoration: underline; padding: 0; min-height: 0; font-size: 1rem; }
button.link[value=later] { min-height: 2.75rem; }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; justify-content: space-between; margin: 1.5rem 0; }
/* Resident pages: the form's first button is an off-screen 次へ, so Enter in a one-line
   field goes forward while the visible 前へ / 次へ keep their order for the eye and for Tab. */
.default-next { position: absolute; left: -100vw; top: auto; }
.pager button[value=next] { margin-left: auto; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.progress { margin: .5rem 0 1rem; }
.progress progress { width: 100%; height: 1rem; }
.notice { background: #fff; border-left: .4rem solid var(--accent); padding: .75rem 1rem; margin: 1rem 0; }
.notice.bad { border-color: var(--bad); background: var(--bad-bg); }
.notice.ok { border-color: #2e7d32; background: var(--ok-bg); }
.help { background: var(--help-bg); border: 2px solid var(--help-line); border-radius: .5rem; padding: 1rem; margin: 1rem 0; }
.help.urgent { border-width: 4px; }
.help ul { padding-left: 1.2rem; }
.help .phone { font-size: 1.3rem; font-weight: bold; }
.contact-offer { background: #fff; border: 2px solid var(--accent); border-radius: .5rem; padding: 1rem; margin: 1rem 0; }
.contact-offer.urgent { border-width: 4px; }
.field { margin: 0 0 1.25rem; }
.qr-large svg { width: min(80vw, 18rem); height: auto; display: block; margin: 1rem 0; }
ul.comments li { margin: .5rem 0; white-space: pre-wrap; }
.consent { background: #fff; border-left: .4rem solid var(--accent); padding: .5rem 1rem; margin: 1rem 0; }
.consent .phone { font-size: 1.2rem; }
label.check { display: flex; gap: .5rem; align-items: flex-start; min-height: 2.75rem; padding: .4rem 0; }
label.check input { width: 1.5rem; height: 1.5rem; flex: none; }
tr.overdue td { background: var(--bad-bg); }
.overdue { color: var(--bad); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { border: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
dl.review dt { font-weight: bold; margin-top: .75rem; }
dl.review dd { margin: 0 0 0 1rem; display: flex; align-items: center; justify-content: space-between; gap: .5rem; }
dl.review a.change { display: inline-flex; align-items: center; justify-content: center; flex: none;
  min-height: 2.75rem; min-width: 2.75rem; padding: 0 .75rem; }
.muted { color: var(--muted); }
.code-input { letter-spacing: .1em; text-transform: uppercase; font-family: ui-monospace, monospace; }
.grid-row { margin: .75rem 0; padding-top: .5rem; border-top: 1px dashed var(--line); }
/* Grids: a row's options side by side as tiles (each at least 44 px), not one per line. */
.item.grid { padding: .75rem .5rem; }
.grid-row { margin: .5rem 0; padding-top: .4rem; }
.grid-row legend { margin-bottom: .3rem; }
.grid-row .choices { display: grid; grid-template-columns: repeat(auto-fit, minmax(3.2rem, 1fr)); gap: .25rem; }
.grid-row .choice { flex-direction: column; justify-content: center; gap: .15rem; margin: 0;
  min-height: 2.75rem; padding: .3rem .15rem; text-align: center; font-size: .8rem; line-height: 1.3; }
.grid-row .choice input { width: 1.25rem; height: 1.25rem; }
/* Paper entry: dense, keyboard-first, mirrors the printed numbering. */
table.keying { margin-bottom: .25rem; table-layout: fixed; }
table.keying th, table.keying td { padding: .15rem .4rem; vertical-align: middle; }
table.keying td.qtext { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
table.keying th.qnum, table.answers th.qnum { white-space: nowrap; width: 6rem; font-variant-numeric: tabular-nums; }
table.keying td.qtext, table.answers td.qtext { font-size: .85rem; color: var(--muted); }
table.keying td.qinput { width: 11rem; }
table.keying td.hint { width: 11rem; }
table.keying td.msg { width: 16rem; }
table.keying input.key { font-size: 1rem; padding: .2rem .4rem; font-family: ui-monospace, monospace; }
table.keying td.hint { font-size: .8rem; color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
table.keying td.msg { font-size: .85rem; color: var(--bad); font-weight: bold; }
tr.key-row.skipped { background: #ececec; }
tr.key-row.skipped th, tr.key-row.skipped td:not(.msg) { color: #4d4d4d; }
tr.key-row.skipped .key { background: #e0e0e0; color: #333; border-style: dashed; }
table.keying textarea.key { width: 100%; box-sizing: border-box; font-size: 1rem; padding: .2rem .4rem; font-family: inherit; resize: vertical; }
.paper-note { color: #7a5200; font-weight: bold; }
tr.key-row.has-error { background: var(--bad-bg); }
tr.key-row.flagged { background: var(--help-bg); }
tr.key-row.flagged td.msg { color: #7a5200; }
h2.keying-section { font-size: 1rem; margin: 1rem 0 .25rem; }
.keys-legend { font-size: .85rem; background: #fff; border: 1px solid var(--line); padding: .4rem .6rem; }
kbd { font-family: ui-monospace, monospace; border: 1px solid #999; border-radius: .2rem; padding: 0 .25rem; background: #f4f4f4; }
.open-form input.code-input { max-width: 20rem; }
.inline-form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
.inline-form input, .inline-form select { width: auto; }
input[type=date] { font-size: 1.1rem; padding: .5rem; border: 1px solid #888; border-radius: .4rem; }
tr.difference.has-error { background: var(--bad-bg); }
nav.subnav { margin: 0 0 1rem; }
dl.design { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.design dt { font-weight: bold; }
dl.design dd { margin: 0; }
dl.design dd.seed { font-family: ui-monospace, monospace; }
td.code { font-family: ui-monospace, monospace; white-space: nowrap; }
/* Letters: one A4 sheet per sampled person. The address block is where the window of a
   長3 envelope (120 × 235 mm) shows it when the sheet is folded in three: window about
   90 × 45 mm, 20 mm from the left edge and 12 mm from the top of the sheet. */
body.letters { background: #888; margin: 0; font-size: 10.5pt; line-height: 1.6; }
body.letters .print-toolbar { background: #fff; padding: .5rem 1rem; font-size: 11pt; }
section.letter { position: relative; width: 210mm; height: 297mm; margin: 8mm auto; padding: 0;
  background: #fff; color: #000; overflow: hidden; box-sizing: border-box; }
section.letter p { margin: 0; }
section.letter .window { position: absolute; left: 22mm; top: 14mm; width: 88mm; height: 42mm;
  overflow: hidden; font-size: 11pt; line-height: 1.5; }
section.letter .window .postal { font-size: 12pt; letter-spacing: .05em; }
section.letter .window .address { margin-top: 1mm; }
section.letter .window .addressee { margin-top: 3mm; font-size: 14pt; }
section.letter .sender { position: absolute; right: 20mm; top: 62mm; text-align: right; }
section.letter .heading { position: absolute; left: 20mm; right: 20mm; top: 80mm; margin: 0;
  text-align: center; font-size: 13pt; line-height: 1.4; }
section.letter .body { position: absolute; left: 20mm; right: 20mm; top: 92mm; }
section.letter .body p { text-indent: 1em; margin-bottom: 1.2mm; }
section.letter .online { position: absolute; left: 20mm; right: 20mm; top: 203mm; height: 58mm;
  border: .4mm solid #000; padding: 3mm; display: flex; gap: 4mm; align-items: flex-start; }
section.letter .online figure.qr { margin: 0; flex: none; width: 30mm; height: 30mm; }
section.letter .online figure.qr svg { width: 30mm; height: 30mm; display: block; }
section.letter .online-text p { margin-bottom: 1.5mm; }
section.letter .online .label { display: inline-block; min-width: 24mm; font-weight: bold; }
section.letter .online .url, section.letter .online .code { font-size: 12pt; }
section.letter .code-value { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 15pt;
  font-weight: bold; letter-spacing: .08em; }
section.letter .contact { position: absolute; left: 20mm; right: 20mm; top: 266mm; font-size: 9pt;
  border-top: .2mm solid #000; padding-top: 2mm; }
@page { size: A4; margin: 0; }
@media print {
  body.letters { background: #fff; }
  body.letters .print-toolbar { display: none; }
  section.letter { margin: 0; page-break-after: always; break-after: page; }
  section.letter:last-of-type { page-break-after: auto; break-after: auto; }
}
/* Planner pages: the subgroup tables and their charts. */
nav.planner { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; margin: 0 0 1rem; }
nav.planner a, nav.planner strong { display: inline-block; min-height: 2.75rem; line-height: 2.75rem; }
form.controls { background: #fff; border: 1px solid var(--line); padding: .5rem 1rem; margin: 0 0 .75rem; }
form.controls label { display: inline-block; margin: .25rem 1rem .25rem 0; }
form.controls select { width: auto; max-width: 100%; }
p.downloads a { display: inline-block; min-height: 2.75rem; line-height: 2.75rem; }
.table-scroll { overflow-x: auto; }
table.matrix th[scope=col] { min-width: 7rem; font-size: .85rem; vertical-align: bottom; }
table.matrix tr.breakdown th, table.matrix tr.breakdown td { background: #eef2f6; }
table.matrix tr.overall th, table.matrix tr.overall td { font-weight: bold; }
.higher { color: #b5452f; font-weight: bold; }
.lower { color: #2f7d4f; font-weight: bold; }
.provenance { display: inline-block; font-size: 0.85em; padding: 0 0.4em; border: 1px solid var(--muted); border-radius: 0.3em; }
.provenance.national { border-color: #2f7d4f; }
.provenance.local { color: var(--muted); border-style: dashed; }
small.reference { color: #7a5200; }
span.withheld { color: var(--muted); cursor: help; }
.side-by-side { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
.side-by-side > table { flex: 1 1 36rem; width: auto; }
.side-by-side > figure { flex: 0 1 680px; margin: 0; }
svg.chart { max-width: 100%; height: auto; background: #fff; }
section.breakdown { break-inside: avoid; page-break-inside: avoid; margin-bottom: 1.5rem; }
.legend p { margin: .25rem 0; }
@media print { nav.planner, form.controls, p.downloads { display: none; } main.wide { max-width: none; } }
/* The council report: sections kept whole on a page where they fit, charts never split. */
.print-note { background: #fff; border: 1px dashed var(--line); padding: .25rem 1rem; }
figure.report-chart { margin: 1rem 0; break-inside: avoid; page-break-inside: avoid; }
@media print {
  @page { size: A4 portrait; margin: 15mm 12mm; }
  .no-print { display: none; }
  section.report-section { break-inside: auto; }
  section.report-section h2 { break-after: avoid; page-break-after: avoid; }
  #charts, #table { break-before: page; page-break-before: always; }
  table.matrix th[scope=col] { min-width: 0; }
  tr, figure { break-inside: avoid; page-break-inside: avoid; }
}
@media print { header.site, .actions, .lang-switch { display: none; } body { background: #fff; } }
"#;
