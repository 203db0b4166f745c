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
  function render(job) {
    document.getElementById('job-samples').textContent = fmt.format(job.samples);
    document.getElementById('job-rejected').textContent = fmt.format(job.rejected);
    var i = names.indexOf(job.status);
    statusEl.textContent = i >= 0 && labels[i] ? labels[i] : job.status;
    root.setAttribute('data-status', job.status);
    var err = document.getElementById('job-error');
    if (job.error) {
      err.textContent = job.error;
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
      code.textContent = r.locator;
      li.appendChild(code);
      li.appendChild(document.createTextNode(': ' + r.reason));
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
