/**
 * The report page's stylesheet, inlined in its <style> (allowed by the page's Content-Security-Policy
 * by its hash). The verdict colours are those of the pull-request comment's picture (diff-mermaid.ts),
 * with the verdict said in words beside each; the waves take eight colours in turn.
 */
export const VIEWER_STYLE = `
:root { color-scheme: light; --line: #d0d7de; --muted: #57606a; --bg2: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328; background: #fff; }
header { padding: 12px 20px; border-bottom: 1px solid var(--line); background: var(--bg2); }
h1 { font-size: 18px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 16px 0 8px; }
h3 { font-size: 14px; margin: 12px 0 6px; }
.meta { color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
.bar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 8px; }
.bar input[type=search] { width: 340px; max-width: 100%; padding: 5px 8px; border: 1px solid var(--line); border-radius: 6px; font: inherit; }
.chip { border: 1px solid var(--line); border-radius: 12px; padding: 1px 9px; font: inherit; font-size: 12px; background: #fff; cursor: pointer; }
.chip[aria-pressed=true] { outline: 2px solid #0969da; outline-offset: 1px; font-weight: 600; }
.legend { display: inline-flex; gap: 6px; flex-wrap: wrap; font-size: 12px; }
main { display: grid; grid-template-columns: minmax(0, 1fr) 430px; gap: 16px; padding: 12px 20px; align-items: start; }
#tree-pane { min-width: 0; }
#details { position: sticky; top: 8px; max-height: calc(100vh - 16px); overflow: auto; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; min-width: 0; overflow-wrap: anywhere; }
#search-status { font-size: 12px; color: var(--muted); }
#results { display: flex; flex-wrap: wrap; gap: 4px; margin: 6px 0 0; padding: 0; list-style: none; }
#results button { font: inherit; font-size: 12px; border: 1px solid var(--line); border-radius: 6px; background: #fff; cursor: pointer; max-width: 100%; text-align: left; overflow-wrap: anywhere; }
ul.tree, ul.tree ul { list-style: none; margin: 0; padding: 0; }
ul.tree ul { padding-left: 18px; border-left: 1px dotted var(--line); margin-left: 9px; }
.row { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; padding: 2px 4px; border-radius: 4px; cursor: pointer; min-width: 0; }
.row:hover { background: #f3f4f6; }
.row.selected { background: #ddf4ff; }
.row.match .name { background: #fff8c5; }
.row.current { outline: 2px solid #bf8700; }
.row.target { box-shadow: inset 4px 0 0 var(--wave, #0969da); }
.tog { width: 18px; height: 18px; padding: 0; border: 0; background: none; cursor: pointer; font-size: 11px; color: var(--muted); }
.spacer { width: 18px; display: inline-block; }
.kind { font-size: 11px; color: var(--muted); min-width: 30px; }
.name { font-weight: 600; overflow-wrap: anywhere; unicode-bidi: isolate; }
.id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; color: var(--muted); overflow-wrap: anywhere; }
.badge { font-size: 11px; border-radius: 10px; padding: 0 7px; border: 1px solid; white-space: nowrap; }
.v-s { background: #dbeafe; border-color: #1d4ed8; color: #0b1f4d; }
.v-l { background: #ffedd5; border-color: #c2410c; color: #431407; border-width: 2px; }
.v-m { background: #f3e8ff; border-color: #7e22ce; color: #3b0764; border-width: 2px; border-style: dashed; }
.v-u { background: #f4f4f5; border-color: #a1a1aa; color: #3f3f46; }
.wave { font-size: 11px; border-radius: 3px; padding: 0 6px; color: #fff; white-space: nowrap; overflow-wrap: anywhere; }
.w0 { background: #0a7a3d; --wave: #0a7a3d; } .w1 { background: #8a4b00; --wave: #8a4b00; } .w2 { background: #6f42c1; --wave: #6f42c1; } .w3 { background: #0b5cad; --wave: #0b5cad; }
.w4 { background: #a40e26; --wave: #a40e26; } .w5 { background: #1b6e6e; --wave: #1b6e6e; } .w6 { background: #5a5a00; --wave: #5a5a00; } .w7 { background: #444d56; --wave: #444d56; }
.tgt { font-size: 11px; font-weight: 600; color: #1f2328; border: 1px dashed var(--muted); border-radius: 3px; padding: 0 5px; }
.pager { display: flex; gap: 8px; align-items: center; font-size: 12px; color: var(--muted); padding: 2px 4px 2px 28px; }
.pager button { font: inherit; font-size: 12px; cursor: pointer; }
.empty { color: var(--muted); font-style: italic; }
table { border-collapse: collapse; width: 100%; font-size: 12px; table-layout: fixed; }
th, td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: var(--bg2); }
.ok { color: #1a7f37; } .bad { color: #cf222e; font-weight: 600; }
#timeline { padding: 0 20px 24px; }
.run { border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; margin-bottom: 12px; overflow-wrap: anywhere; }
.run.halted { border-color: #cf222e; }
.waves { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 10px; }
.wave-card { border: 1px solid var(--line); border-top: 4px solid var(--wave, #444d56); border-radius: 6px; padding: 6px 10px; min-width: 0; }
.wave-card.halted { background: #fff5f5; }
ol.events { margin: 4px 0 0; padding-left: 0; list-style: none; font-size: 12px; }
ol.events li { display: grid; grid-template-columns: 64px 62px minmax(0, 1fr); gap: 6px; padding: 1px 0; }
ol.events .t { color: var(--muted); text-align: right; font-variant-numeric: tabular-nums; }
ol.events .k { font-weight: 600; }
ol.events li.failed .x { color: #cf222e; font-weight: 600; }
ol.events li.halt { background: #ffebe9; }
details > summary { cursor: pointer; font-size: 12px; color: var(--muted); }
`;
