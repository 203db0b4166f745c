// Live progress of an upload job: polls its JSON every second while it is queued or running and
// updates the counts, status and rejected inputs. Text only (textContent), never HTML.
(function () {
  'use strict';
  var root = document.getElementById('job');
  if (!root) return;
  var url = root.getAttribute('data-poll');
  var statusEl = document.getElementById('job-status');
  var labels = (statusEl.getAttribute('data-labels') || '').split('|');
  var names = ['queued', 'running', 'done', 'failed', 'interrupted'];
  var fmt = new Intl.NumberFormat(document.documentElement.lang || 'en');
  // A file name can carry a direction override: each hidden character shows as ⟦U+202E⟧, as on the
  // server-rendered page (server/hidden-text.ts has the list; this is its short form).
  var HIDDEN =
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]|[\u{e0000}-\u{e007f}]/gu;
  function marked(s) {
    return String(s).replace(HIDDEN, function (ch) {
      return '\u27e6U+' + ch.codePointAt(0).toString(16).toUpperCase().padStart(4, '0') + '\u27e7';
    });
  }
  function render(job) {
    document.getElementById('job-samples').textContent = fmt.format(job.samples);
    document.getElementById('job-rejected').textContent = fmt.format(job.rejected);
    var i = names.indexOf(job.status);
    statusEl.textContent = i >= 0 && labels[i] ? labels[i] : job.status;
    root.setAttribute('data-status', job.status);
    var err = document.getElementById('job-error');
    if (job.error) {
      err.textContent = marked(job.error);
      err.hidden = false;
    }
    if (job.status === 'done') document.getElementById('job-done').hidden = false;
    // Finished while this page watched: load it again for the breakdown (new items, exact
    // duplicates, rejected, each with its share) and the reasons in the page's language.
    if (names.indexOf(job.status) >= 2 && watching) {
      watching = false;
      document.location.reload();
    }
    var list = document.getElementById('job-rejections');
    list.replaceChildren();
    (job.rejections || []).forEach(function (r) {
      var li = document.createElement('li');
      var code = document.createElement('code');
      code.textContent = marked(r.locator);
      li.appendChild(code);
      li.appendChild(document.createTextNode(': ' + marked(r.reason)));
      list.appendChild(li);
    });
  }
  function poll() {
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (job) {
        if (!job) return;
        render(job);
        if (job.status === 'queued' || job.status === 'running') setTimeout(poll, 1000);
      })
      .catch(function () {
        setTimeout(poll, 3000);
      });
  }
  var s = root.getAttribute('data-status');
  var watching = s === 'queued' || s === 'running' || s === 'receiving';
  if (watching) poll();
})();
