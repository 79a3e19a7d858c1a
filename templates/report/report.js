// bnngen HTML report: inlined by src/report/render.ts. Hovering a step in any chart, the graph or the table
// highlights it everywhere; clicking it scrolls to its row in the step table. The same for arena buffers.
(function () {
  'use strict';
  function link(attribute, rowPrefix) {
    var selector = '[' + attribute + ']';
    function same(el) {
      return document.querySelectorAll('[' + attribute + '="' + el.getAttribute(attribute) + '"]');
    }
    function mark(event, on) {
      var el = event.target.closest ? event.target.closest(selector) : null;
      if (!el) return;
      same(el).forEach(function (other) { other.classList.toggle('hl', on); });
    }
    document.addEventListener('mouseover', function (e) { mark(e, true); });
    document.addEventListener('mouseout', function (e) { mark(e, false); });
    if (!rowPrefix) return;
    document.addEventListener('click', function (e) {
      var el = e.target.closest ? e.target.closest(selector) : null;
      if (!el || el.tagName === 'TR') return;
      var row = document.getElementById(rowPrefix + el.getAttribute(attribute));
      if (row) row.scrollIntoView({ behavior: 'smooth', block: 'center' });
    });
  }
  link('data-step', 'step-');
  link('data-buffer', null);
})();
