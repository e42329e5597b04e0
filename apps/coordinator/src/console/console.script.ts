// The console's script, served as /console.js (a separate file, so the page's CSP allows no inline
// script). Plain browser JavaScript with no dependencies: it polls the same JSON API the CLI uses,
// with the token the operator typed, kept in sessionStorage (gone when the tab closes).
export const consoleScript = String.raw`'use strict';
(() => {
  const tokenKey = 'qupersync.token';
  const pollMs = 1500;
  const $ = (id) => document.getElementById(id);
  let selectedRunId = null;
  let tick = 0;
  let timer = null;
  let stopped = false;

  class Unauthorized extends Error {}

  function el(tag, attributes, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'class') element.className = value;
      else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
      else element.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child === undefined || child === null) continue;
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return element;
  }

  async function api(method, path, body) {
    const headers = { accept: 'application/json' };
    const token = sessionStorage.getItem(tokenKey);
    if (token) headers.authorization = 'Bearer ' + token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) throw new Unauthorized('the coordinator refused the token');
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = { message: text };
    }
    if (!response.ok) {
      const message = data && data.message ? [].concat(data.message).join('; ') : response.statusText;
      throw new Error(method + ' ' + path + ': ' + response.status + ' ' + message);
    }
    return data;
  }

  const number = (value) => (value === null || value === undefined ? '—' : Number(value).toLocaleString('en-US'));
  const shortId = (id) => (id ? id.slice(0, 8) : '—');
  const terminal = (status) => status === 'succeeded' || status === 'failed' || status === 'cancelled';

  function duration(ms) {
    if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
    const seconds = Math.max(0, Math.round(ms / 1000));
    if (seconds < 60) return seconds + ' s';
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + ' min ' + (seconds % 60) + ' s';
    return Math.floor(minutes / 60) + ' h ' + (minutes % 60) + ' min';
  }

  function ago(iso) {
    if (!iso) return '';
    return duration(Date.now() - Date.parse(iso)) + ' ago';
  }

  /** Percent of the run's batches that are done; null while the extraction has not said how many. */
  function progressOf(run) {
    if (run.status === 'succeeded') return 100;
    if (run.batches === null || run.batches === undefined) return null;
    if (run.batches === 0) return terminal(run.status) ? 100 : 0;
    return Math.min(100, Math.floor((100 * (run.batchesLoaded + run.failedBatches)) / run.batches));
  }

  function rowsPerSecond(run) {
    return run.durationMs > 0 ? Math.round(run.rowsLoaded / (run.durationMs / 1000)) : 0;
  }

  function eta(run) {
    if (terminal(run.status) || !run.batches) return '—';
    const done = run.batchesLoaded + run.failedBatches;
    if (done === 0) return '—';
    return duration(((run.batches - done) * run.durationMs) / done);
  }

  function progressCell(run) {
    // Scheduled checks read no batches: their outcome is the whole story.
    if (run.mode === 'verify' || run.mode === 'reconcile')
      return el('td', { class: 'progress' }, el('span', { class: 'muted' },
        run.mode === 'verify'
          ? (run.verifyReport ? (run.verifyReport.equal ? 'equal to the source' : 'differs from the source') : 'comparing')
          : number(run.rowsDeleted || 0) + ' deleted'));
    const percent = progressOf(run);
    if (percent === null)
      return el('td', { class: 'progress' }, el('span', { class: 'muted' },
        (terminal(run.status) ? 'ended before extraction did, ' : 'extracting, ') + number(run.rowsExtracted) + ' rows read'));
    return el(
      'td',
      { class: 'progress' },
      el('progress', { max: 100, value: percent, 'aria-label': 'progress of run ' + run.runId }),
      el('span', { class: 'percent', 'data-testid': 'percent' }, percent + ' %'),
    );
  }

  function say(text, kind) {
    const message = $('message');
    message.textContent = text;
    message.className = kind || '';
  }

  async function act(label, work) {
    try {
      const result = await work();
      if (typeof result === 'string') say(result, 'ok');
      await refresh();
    } catch (error) {
      if (error instanceof Unauthorized) return showLogin(error.message);
      say(label + ' failed: ' + error.message, 'bad');
    }
  }

  function health(job, lastRun) {
    if (job.activeRunId) return el('span', { class: 'badge running' }, 'running');
    if (!lastRun) return el('span', { class: 'badge muted' }, 'never run');
    if (lastRun.status === 'succeeded') return el('span', { class: 'badge ok' }, 'ok');
    return el('span', { class: 'badge bad', title: lastRun.error || '' }, lastRun.status);
  }

  /**
   * A button that acts on a second click within 4 s. Its armed state lives here, by key, not in
   * the element: the tables are redrawn while the operator reads the confirmation.
   */
  const armed = new Map();
  function confirmButton(key, label, confirmLabel, onConfirm) {
    const button = el('button', { type: 'button', class: armed.has(key) ? 'armed' : '', 'data-confirm': key },
      armed.has(key) ? confirmLabel : label);
    button.addEventListener('click', () => {
      if (armed.has(key)) {
        clearTimeout(armed.get(key));
        armed.delete(key);
        onConfirm();
        return;
      }
      armed.set(key, setTimeout(() => {
        armed.delete(key);
        for (const shown of document.querySelectorAll('button[data-confirm]'))
          if (shown.dataset.confirm === key) {
            shown.textContent = label;
            shown.classList.remove('armed');
          }
      }, 4000));
      button.textContent = confirmLabel;
      button.classList.add('armed');
    });
    return button;
  }

  /** Redraws a table only when what it shows changed, so a click is never lost to a redraw. */
  const drawn = new Map();
  function changed(table, value) {
    const signature = JSON.stringify(value);
    if (drawn.get(table) === signature) return false;
    drawn.set(table, signature);
    return true;
  }

  function renderJobs(jobs, lastRuns) {
    // Only what the rows show, so the "ago" texts do not force a redraw every poll.
    if (!changed('jobs', [jobs, [...lastRuns].map(([job, run]) => [job, run.runId, run.status])])) return;
    const body = $('jobs-body');
    body.replaceChildren(
      ...jobs.map((job) => {
        const lastRun = lastRuns.get(job.name) || null;
        return el(
          'tr',
          { 'data-job': job.name },
          el('td', {}, el('strong', {}, job.name), el('div', { class: 'muted small' }, (job.sourceTable || 'sql') + ' → ' + job.targetTable)),
          el('td', {}, job.mode),
          el('td', {}, job.schedule || '—'),
          el('td', { class: 'mono small' }, job.watermark || '—'),
          el('td', {}, lastRun ? el('a', { href: '#', onclick: (event) => { event.preventDefault(); select(lastRun.runId); } }, lastRun.status + ' at ' + new Date(lastRun.finishedAt || lastRun.createdAt).toLocaleTimeString()) : '—'),
          el('td', {}, health(job, lastRun)),
          el(
            'td',
            { class: 'actions' },
            el('button', { type: 'button', onclick: () => act('trigger', async () => {
              const run = await api('POST', '/jobs/' + encodeURIComponent(job.name) + '/runs', {});
              selectedRunId = run.runId;
              return (run.coalesced ? 'joined run ' : 'started run ') + shortId(run.runId) + ' of ' + job.name;
            }) }, 'Trigger'),
            confirmButton('reset:' + job.name, 'Reset watermark', 'Confirm reset', () => act('reset', async () => {
              await api('POST', '/jobs/' + encodeURIComponent(job.name) + '/reset', {});
              return 'watermark of ' + job.name + ' cleared: its next incremental run reads every row';
            })),
            el('button', { type: 'button', onclick: () => act('replay', async () => {
              const replay = await api('POST', '/jobs/' + encodeURIComponent(job.name) + '/replay', {});
              if (!replay.run) return 'nothing to replay for ' + job.name;
              selectedRunId = replay.run.runId;
              return 'replaying ' + replay.letters + ' dead letter(s) of ' + job.name + ': ' + replay.keys + ' key(s) in run ' + shortId(replay.run.runId);
            }) }, 'Replay dead letters'),
            el('button', { type: 'button', onclick: () => act('verify', async () => {
              say('verifying ' + job.name + ' against its source ...', '');
              const report = await api('POST', '/jobs/' + encodeURIComponent(job.name) + '/verify', {});
              if (report.equal) return job.name + ': equal to the source, ' + number(report.rowsSource) + ' rows (' + report.seconds + ' s)';
              throw new Error(job.name + ' differs from its source: ' + report.missing + ' missing, ' + report.extra + ' extra, ' + report.different + ' different (qupersync verify ' + job.name + ' --repair re-syncs them)');
            }) }, 'Verify'),
          ),
        );
      }),
    );
  }

  /** Runs of the jobs in this coordinator's jobs file, unless the operator asks for every job's. */
  function renderRuns(runs, jobs) {
    const known = new Set(jobs.map((job) => job.name));
    const shown = $('all-jobs').checked ? runs : runs.filter((run) => known.has(run.job));
    if (!changed('runs', [shown, selectedRunId])) return;
    $('runs-body').replaceChildren(
      ...shown.map((run) =>
        el(
          'tr',
          { 'data-run-id': run.runId, class: run.runId === selectedRunId ? 'selected' : '', onclick: () => select(run.runId) },
          el('td', { class: 'mono' }, shortId(run.runId)),
          el('td', {}, run.job),
          el('td', {}, run.keys ? 'replay' : run.mode),
          el('td', { class: 'status ' + run.status, 'data-testid': 'status' }, run.status),
          progressCell(run),
          el('td', { class: 'num' }, number(run.rowsLoaded)),
          el('td', { class: 'num' }, number(rowsPerSecond(run))),
          el('td', {}, eta(run)),
          el('td', {}, duration(run.durationMs)),
          el('td', { class: 'error', 'data-testid': 'error' }, run.error || ''),
        ),
      ),
    );
  }

  function renderStatus(status) {
    const services = status.services.map((service) =>
      el('span', { class: 'badge ' + (service.up ? 'ok' : 'bad'), title: service.groupId + ' (' + service.state + ')' },
        service.service + (service.up ? ' up' : ' DOWN') + ' · lag ' + number(service.lag)),
    );
    $('services').replaceChildren(...services);
  }

  function chart(throughput) {
    const ns = 'http://www.w3.org/2000/svg';
    const width = 640;
    const height = 160;
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    svg.setAttribute('class', 'chart');
    svg.setAttribute('role', 'img');
    const points = throughput.points;
    if (points.length === 0) {
      svg.setAttribute('aria-label', 'no batch loaded');
      const empty = document.createElementNS(ns, 'text');
      empty.setAttribute('x', '10');
      empty.setAttribute('y', '24');
      empty.setAttribute('class', 'chart-label');
      empty.textContent = 'no batch loaded';
      svg.append(empty);
      return svg;
    }
    const peak = Math.max(1, ...points.map((point) => point.rowsPerSecond));
    // A run loaded within one step has one point; a lone vertex draws nothing, so its rate
    // is drawn as a level line across the chart.
    const drawn = points.length === 1 ? [points[0], points[0]] : points;
    const x = (index) => (index * (width - 20)) / (drawn.length - 1) + 10;
    const y = (value) => height - 20 - (value / peak) * (height - 40);
    const line = document.createElementNS(ns, 'polyline');
    line.setAttribute('points', drawn.map((point, index) => x(index).toFixed(1) + ',' + y(point.rowsPerSecond).toFixed(1)).join(' '));
    line.setAttribute('fill', 'none');
    line.setAttribute('stroke', '#2f6fdb');
    line.setAttribute('stroke-width', '2');
    const label = document.createElementNS(ns, 'text');
    label.setAttribute('x', '10');
    label.setAttribute('y', '14');
    label.setAttribute('class', 'chart-label');
    label.textContent = 'peak ' + number(Math.round(peak)) + ' rows/s · ' + throughput.stepSeconds + ' s per point';
    const axis = document.createElementNS(ns, 'line');
    axis.setAttribute('x1', '10');
    axis.setAttribute('x2', String(width - 10));
    axis.setAttribute('y1', String(height - 20));
    axis.setAttribute('y2', String(height - 20));
    axis.setAttribute('stroke', '#bbb');
    svg.setAttribute('aria-label', 'rows per second over the run, ' + points.length + (points.length === 1 ? ' point' : ' points') + ', peak ' + Math.round(peak));
    svg.append(axis, line, label);
    return svg;
  }

  /** A detail table; a header ending in '#' is a numeric column, right-aligned like its cells. */
  function table(headers, rows) {
    if (rows.length === 0) return el('p', { class: 'muted' }, 'none');
    const head = headers.map((header) =>
      header.endsWith('#') ? el('th', { class: 'num' }, header.slice(0, -1)) : el('th', {}, header));
    return el('table', { class: 'detail' }, el('thead', {}, el('tr', {}, ...head)), el('tbody', {}, ...rows));
  }

  async function renderRun(runId) {
    const [run, batches, throughput, failures, letters] = await Promise.all([
      api('GET', '/runs/' + runId),
      api('GET', '/runs/' + runId + '/batches?limit=50'),
      api('GET', '/runs/' + runId + '/throughput'),
      api('GET', '/failures?limit=200'),
      api('GET', '/dead-letters?run=' + runId + '&limit=50'),
    ]);
    if (selectedRunId !== runId) return;
    const runFailures = failures.filter((failure) => failure.runId === runId);
    const facts = [
      ['status', run.status],
      ['mode', run.keys ? 'replay of ' + run.keys + ' keys' : run.mode],
      ['rows extracted', number(run.rowsExtracted)],
      ['rows loaded', number(run.rowsLoaded)],
      ['invalid / rejected', number(run.rowsInvalid) + ' / ' + number(run.rowsRejected)],
      ['stale', number(run.rowsStale)],
      ['deleted at the target', number(run.rowsDeleted || 0)],
      ['batches', number(run.batchesLoaded) + ' loaded, ' + number(run.failedBatches) + ' failed of ' + number(run.batches)],
      ['rows/s', number(rowsPerSecond(run))],
      ['duration', duration(run.durationMs)],
      ['scan plan', run.scanPlan || '—'],
      ['watermark', run.watermark ? JSON.stringify(run.watermark) : '—'],
    ];
    const actions = terminal(run.status)
      ? []
      : [el('button', { type: 'button', class: 'danger', onclick: () => act('cancel', async () => {
          await api('POST', '/runs/' + runId + '/cancel', {});
          return 'run ' + shortId(runId) + ' cancelled; the watermark stays';
        }) }, 'Cancel run')];
    $('run').replaceChildren(
      el('h2', {}, 'Run ', el('span', { class: 'mono' }, run.runId), ' of ', run.job, ' ', ...actions),
      run.error ? el('p', { class: 'error', 'data-testid': 'run-error' }, run.error) : '',
      ...run.warnings.map((warning) => el('p', { class: 'warning' }, warning)),
      el('dl', { class: 'facts' }, ...facts.flatMap(([name, value]) => [el('dt', {}, name), el('dd', {}, value)])),
      el('h3', {}, 'Rows per second'),
      chart(throughput),
      el('h3', {}, 'Batches (latest 50)'),
      table(['batch#', 'status', 'rows#', 'written#', 'invalid#', 'rejected#', 'error'], batches.map((batch) =>
        el('tr', {}, el('td', { class: 'num' }, batch.sequence), el('td', { class: 'status ' + batch.status }, batch.status), el('td', { class: 'num' }, number(batch.rows)),
          el('td', { class: 'num' }, number(batch.rowsWritten)), el('td', { class: 'num' }, number(batch.rowsInvalid)), el('td', { class: 'num' }, number(batch.rowsRejected)), el('td', { class: 'error' }, batch.error || '')))),
      el('h3', {}, 'Failures'),
      table(['batch#', 'code', 'reason', 'at'], runFailures.map((failure) =>
        el('tr', {}, el('td', { class: 'num' }, failure.sequence === null ? '—' : failure.sequence), el('td', {}, failure.errorCode || ''), el('td', { class: 'error' }, failure.error || ''), el('td', {}, ago(failure.recordedAt))))),
      el('h3', {}, 'Dead letters (latest 50)'),
      table(['stage', 'key', 'reason', 'replayed'], letters.map((letter) =>
        el('tr', {}, el('td', {}, letter.stage), el('td', { class: 'mono small' }, letter.rowKey || letter.source || ''), el('td', {}, letter.reason), el('td', {}, letter.replayedAt ? ago(letter.replayedAt) : letter.replayRunId ? 'in run ' + shortId(letter.replayRunId) : 'no')))),
    );
  }

  function select(runId) {
    selectedRunId = runId;
    for (const row of document.querySelectorAll('#runs-body tr')) row.classList.toggle('selected', row.dataset.runId === runId);
    renderRun(runId).catch(handle);
  }

  function handle(error) {
    if (error instanceof Unauthorized) showLogin(error.message);
    else say(error.message, 'bad');
  }

  async function refresh() {
    const withStatus = tick % 4 === 0;
    tick += 1;
    const [jobs, runs, status] = await Promise.all([
      api('GET', '/jobs'),
      api('GET', '/runs?limit=25'),
      withStatus ? api('GET', '/status') : Promise.resolve(null),
    ]);
    if (status) {
      renderStatus(status);
      lastRunsByJob = new Map(status.jobs.filter((job) => job.lastRun).map((job) => [job.job, job.lastRun]));
    }
    for (const run of runs) if (!lastRunsByJob.has(run.job) || lastRunsByJob.get(run.job).createdAt <= run.createdAt) lastRunsByJob.set(run.job, run);
    renderJobs(jobs, lastRunsByJob);
    renderRuns(runs, jobs);
    if (selectedRunId) await renderRun(selectedRunId);
    $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  }
  let lastRunsByJob = new Map();

  function schedule() {
    if (timer) clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(() => refresh().catch(handle).finally(schedule), pollMs);
  }

  function showLogin(reason) {
    stopped = true;
    $('app').hidden = true;
    $('login').hidden = false;
    $('login-reason').textContent = reason || '';
    $('token').focus();
  }

  function start() {
    stopped = false;
    $('login').hidden = true;
    $('app').hidden = false;
    refresh().then(() => say('', ''), handle).finally(schedule);
  }

  $('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(tokenKey, $('token').value.trim());
    $('token').value = '';
    tick = 0;
    start();
  });
  $('all-jobs').addEventListener('change', () => refresh().catch(handle));
  $('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(tokenKey);
    showLogin('signed out');
  });
  start();
})();
`;
