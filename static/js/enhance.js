/* Progressive enhancement only: every page works without this file.
   "Où ?" fields with data-suggest-url get place suggestions in their <datalist>. */
(function () {
  "use strict";
  var fields = document.querySelectorAll("input[data-suggest-url][list]");
  Array.prototype.forEach.call(fields, function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var url = input.getAttribute("data-suggest-url");
    var timer = null;
    var lastQuery = "";
    if (!list || !window.fetch) { return; }
    input.addEventListener("input", function () {
      var query = input.value.trim();
      window.clearTimeout(timer);
      if (query.length < 2 || query === lastQuery) { return; }
      timer = window.setTimeout(function () {
        lastQuery = query;
        fetch(url + "?q=" + encodeURIComponent(query), { headers: { "Accept": "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) {
            if (input.value.trim() !== query) { return; }
            while (list.firstChild) { list.removeChild(list.firstChild); }
            data.results.forEach(function (place) {
              var option = document.createElement("option");
              option.value = place.label;
              option.label = place.detail;
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are optional */ });
      }, 200);
    });
  });
}());
