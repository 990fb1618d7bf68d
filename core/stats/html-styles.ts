// The stats page's style sheet: HAProxy 2.6's class names and state colours (so bookmarks, user scripts and the
// operators' eyes keep working), written for orcalb. One constant string, built once at module load; stats thread.

/** Background colour per server/row state class, light then dark scheme (the colours HAProxy 2.6's page uses). */
const STATE_COLOURS: readonly (readonly [string, string, string])[] = [
  ['frontend', '#e8e8d0', '#2f3437'],
  ['socket', '#d0d0d0', '#2a2d2f'],
  ['backend', '#e8e8d0', '#2f3437'],
  ['active_down', '#ff9090', '#760000'],
  ['active_going_up', '#ffd020', '#b99200'],
  ['active_going_down', '#ffffa0', '#6c6c00'],
  ['active_up', '#c0ffc0', '#165900'],
  ['active_nolb', '#20a0ff', '#006ab9'],
  ['active_draining', '#20a0ff', '#006ab9'],
  ['active_no_check', '#e0e0e0', '#2a2d2f'],
  ['backup_down', '#ff9090', '#760000'],
  ['backup_going_up', '#ff80ff', '#7f007f'],
  ['backup_going_down', '#c060ff', '#580092'],
  ['backup_up', '#b0d0ff', '#2e3234'],
  ['backup_nolb', '#90b0e0', '#1e3c6a'],
  ['backup_draining', '#cc9900', '#a37a00'],
  ['backup_no_check', '#e0e0e0', '#2a2d2f'],
  ['maintain', '#c07820', '#9a601a'],
];

const light = STATE_COLOURS.map(([c, bg]) => `.${c}{background:${bg}}`).join('\n');
const dark = STATE_COLOURS.map(([c, , bg]) => ` .${c}{background:${bg}}`).join('\n');

/** The whole `<style>` body. */
export const STATS_PAGE_CSS = `
body{font-family:arial,helvetica,sans-serif;font-size:12px;color:black;background:white}
th,td{font-size:10px}
h1{font-size:x-large;margin-bottom:.5em}
h2{font-family:helvetica,arial;font-size:x-large;font-weight:bold;font-style:italic;color:#6020a0;margin:0}
h3{font-family:helvetica,arial;font-size:16px;font-weight:bold;color:#b00040;background:#e8e8d0;margin:0}
li{margin-top:.25em;margin-right:2em}
.hr{margin-top:.25em;border-color:black;border-bottom-style:solid}
.titre{background:#20d0d0;color:#000;font-weight:bold;text-align:center}
.total{background:#20d0d0;color:#ffff80}
${light}
.rls{letter-spacing:.2em;margin-right:1px}
a.px:link,a.px:visited{color:#ffff40;text-decoration:none}
a.px:hover{color:#fff;text-decoration:none}
a.lfsb:link,a.lfsb:visited{color:#000;text-decoration:none}
a.lfsb:hover{color:#505050;text-decoration:none}
table.tbl{border-collapse:collapse;border-style:none}
table.tbl td{text-align:right;border:1px solid gray;padding:2px 3px;white-space:nowrap}
table.tbl td.ac{text-align:center}
table.tbl th{border:1px solid gray}
table.tbl th.pxname{background:#b00040;color:#ffff40;font-weight:bold;border-style:solid solid none solid;padding:2px 3px;white-space:nowrap}
table.tbl th.empty{border-style:none;empty-cells:hide;background:white}
table.tbl th.desc{background:white;border-style:solid solid none solid;text-align:left;padding:2px 3px}
table.lgd{border-collapse:collapse;border-width:1px;border-style:none none none solid;border-color:black}
table.lgd td{border:1px solid gray;padding:2px}
table.lgd td.noborder{border-style:none;padding:2px;white-space:nowrap}
table.det{border-collapse:collapse;border-style:none}
table.det th{text-align:left;border-width:0;padding:0 1px 0 0;font-style:normal;font-size:11px;font-weight:bold;font-family:sans-serif}
table.det td{text-align:right;border-width:0;padding:0 0 0 4px;white-space:nowrap;font-style:normal;font-size:11px;font-weight:normal}
u{text-decoration:none;border-bottom:1px dotted black}
div.tips{display:block;visibility:hidden;z-index:2147483647;position:absolute;padding:2px 4px 3px;background:#f0f060;color:#000;border:1px solid #7040c0;white-space:nowrap;font-style:normal;font-size:11px;font-weight:normal;border-radius:3px;box-shadow:gray 2px 2px 3px}
u:hover div.tips{visibility:visible}
@media (prefers-color-scheme:dark){
 body{color:#e8e6e3;background:#131516}
 h1,h2{color:#a265e0}
 h3{color:#ff5190;background:#3e3e1f}
 a{color:#3391ff}
 .titre{background:#1aa6a6;color:#e8e6e3}
${dark}
 a.px:link,a.px:visited{color:#d8d83b}
 a.lfsb:link,a.lfsb:visited{color:#e8e6e3}
 table.tbl th.empty,table.tbl th.desc{background:#181a1b}
 table.tbl th.pxname{background:#8d0033;color:#ffff46}
 u{border-bottom-color:#e8e6e3}
 div.tips{background:#8e8e0d;color:#e8e6e3;border-color:#4e2c86}
}
`;
