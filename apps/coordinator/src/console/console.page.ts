// The console's page and styles, served by ConsoleController. The page is a shell: the script
// (/console.js) fills it from the JSON API once the operator has given the API token.
export const consolePage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>QuperSync console</title>
<link rel="stylesheet" href="/console.css">
</head>
<body>
<header>
  <h1>QuperSync</h1>
  <div id="services" aria-label="services"></div>
  <span id="updated" class="muted small"></span>
  <button type="button" id="sign-out" class="link">Sign out</button>
</header>
<section id="login" hidden>
  <form id="login-form">
    <h2>Sign in</h2>
    <p>The coordinator's API token (<code>COORDINATOR_API_TOKEN</code>; the local stack writes it to <code>.qupersync/stack.env</code>). It is kept for this tab only.</p>
    <label for="token">API token</label>
    <input id="token" name="token" type="password" autocomplete="off" required>
    <button type="submit">Sign in</button>
    <p id="login-reason" class="error" role="alert"></p>
  </form>
</section>
<main id="app" hidden>
  <p id="message" role="status"></p>
  <section>
    <h2>Jobs</h2>
    <table>
      <thead><tr><th>job</th><th>mode</th><th>schedule</th><th>watermark</th><th>last run</th><th>health</th><th>actions</th></tr></thead>
      <tbody id="jobs-body"></tbody>
    </table>
  </section>
  <section>
    <h2>Runs <label class="small muted"><input type="checkbox" id="all-jobs"> include jobs no longer in the jobs file</label></h2>
    <table>
      <thead><tr><th>run</th><th>job</th><th>mode</th><th>status</th><th>progress</th><th>rows loaded</th><th>rows/s</th><th>ETA</th><th>duration</th><th>error</th></tr></thead>
      <tbody id="runs-body"></tbody>
    </table>
  </section>
  <section id="run" aria-live="polite"><p class="muted">Select a run to see its batches, failures and dead letters.</p></section>
</main>
<script src="/console.js"></script>
</body>
</html>
`;

export const consoleStyles = `
:root { font: 14px/1.4 system-ui, sans-serif; color: #1d2330; background: #f6f7f9; }
body { margin: 0; }
header { display: flex; gap: 1rem; align-items: center; padding: .6rem 1.2rem; background: #1d2330; color: #fff; flex-wrap: wrap; }
header h1 { font-size: 1.2rem; margin: 0; }
#services { display: flex; gap: .4rem; flex-wrap: wrap; flex: 1; }
main, #login { padding: 0 1.2rem 2rem; }
section { margin-top: 1.2rem; }
h2 { font-size: 1.05rem; margin: .4rem 0; }
h3 { font-size: .95rem; margin: 1rem 0 .3rem; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e3e6ea; vertical-align: top; }
th { font-weight: 600; background: #eef0f3; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.progress { white-space: nowrap; }
table.detail { width: auto; min-width: 40rem; }
#runs-body tr { cursor: pointer; }
#runs-body tr:hover, tr.selected { background: #eaf1ff; }
.mono { font-family: ui-monospace, monospace; }
.small { font-size: .8rem; }
.muted { color: #6b7280; }
.error { color: #b42318; }
.warning { color: #8a5a00; }
.status.succeeded, .status.loaded { color: #067647; }
.status.failed, .status.cancelled { color: #b42318; }
.status.extracting, .status.loading, .status.pending, .status.queued, .status.extracted, .status.transformed { color: #2f6fdb; }
.badge { display: inline-block; padding: .1rem .45rem; border-radius: .6rem; font-size: .8rem; background: #e5e7eb; color: #1d2330; }
.badge.ok { background: #d1fadf; color: #05603a; }
.badge.bad { background: #fee4e2; color: #b42318; }
.badge.running { background: #dbe8ff; color: #1849a9; }
progress { width: 7rem; vertical-align: middle; }
.percent { margin-left: .4rem; font-variant-numeric: tabular-nums; }
.actions { white-space: nowrap; }
button { font: inherit; padding: .2rem .6rem; margin: 0 .2rem .2rem 0; border: 1px solid #9aa4b2; border-radius: .3rem; background: #fff; cursor: pointer; }
button:hover { background: #eef0f3; }
button.armed, button.danger { border-color: #b42318; color: #b42318; }
button.link { border: 0; background: none; color: #c7d2fe; }
#message.ok { color: #067647; }
#message.bad { color: #b42318; }
#message:empty { display: none; }
dl.facts { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: .2rem 1rem; background: #fff; padding: .6rem; margin: 0; }
dl.facts dt { color: #6b7280; }
dl.facts dd { margin: 0; }
svg.chart { width: 100%; max-width: 640px; height: 160px; background: #fff; border: 1px solid #e3e6ea; }
.chart-label { font-size: 11px; fill: #6b7280; }
#login form { max-width: 28rem; background: #fff; padding: 1rem 1.2rem; margin-top: 2rem; border: 1px solid #e3e6ea; }
#login input { display: block; width: 100%; box-sizing: border-box; margin: .3rem 0 .6rem; padding: .35rem; font: inherit; }
`;
