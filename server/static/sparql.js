// The query page: run the query with fetch, show a table (or RDF text), offer downloads.
// Hand-written, no dependencies, no CDN: works offline.
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  var textarea = document.getElementById("query");
  var status = document.getElementById("status");
  var results = document.getElementById("results");
  var downloads = document.getElementById("downloads");
  var examples = JSON.parse(document.getElementById("examples-data").textContent || "[]");

  document.querySelectorAll("button.example").forEach(function (b) {
    b.addEventListener("click", function () {
      textarea.value = examples[Number(b.dataset.index)].query;
    });
  });

  function isGraphQuery(q) {
    var body = q.replace(/#[^\n]*/g, "").replace(/(PREFIX|BASE)\s+[^<]*<[^>]*>/gi, "");
    return /^\s*(CONSTRUCT|DESCRIBE)\b/i.test(body);
  }

  function cell(term) {
    if (!term) return "";
    if (term.type === "literal") {
      return term.value + (term["xml:lang"] ? " @" + term["xml:lang"] : "");
    }
    if (term.type === "bnode") return "_:" + term.value;
    return term.value;
  }

  function renderTable(data) {
    results.textContent = "";
    if (typeof data.boolean === "boolean") {
      var p = document.createElement("p");
      p.textContent = "ASK: " + data.boolean;
      results.appendChild(p);
      return 1;
    }
    var vars = data.head.vars, rows = data.results.bindings;
    var table = document.createElement("table");
    var tr = document.createElement("tr");
    vars.forEach(function (v) {
      var th = document.createElement("th"); th.textContent = v; tr.appendChild(th);
    });
    table.appendChild(tr);
    rows.forEach(function (row) {
      var r = document.createElement("tr");
      vars.forEach(function (v) {
        var td = document.createElement("td");
        var t = row[v];
        if (t && t.type === "uri") {
          var a = document.createElement("a"); a.href = t.value; a.textContent = t.value;
          a.rel = "noopener noreferrer"; td.appendChild(a);
        } else {
          td.textContent = cell(t);
        }
        r.appendChild(td);
      });
      table.appendChild(r);
    });
    results.appendChild(table);
    return rows.length;
  }

  function setDownloads(q, graph) {
    downloads.hidden = false;
    document.getElementById("download-results").hidden = graph;
    document.getElementById("download-graph").hidden = !graph;
    downloads.querySelectorAll("a[data-format]").forEach(function (a) {
      a.href = form.action + "?" + new URLSearchParams({query: q, format: a.dataset.format, download: "1"});
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = textarea.value, graph = isGraphQuery(q);
    var started = performance.now();
    status.className = ""; status.textContent = "running…";
    fetch(form.action, {
      method: "POST",
      headers: {"Content-Type": "application/x-www-form-urlencoded",
                "Accept": graph ? "text/turtle" : "application/sparql-results+json"},
      body: new URLSearchParams({query: q})
    }).then(function (resp) {
      var ms = Math.round(performance.now() - started);
      if (!resp.ok) {
        return resp.json().then(function (e) {
          throw new Error(resp.status + " " + e.error + ": " + e.message);
        }, function () { throw new Error("HTTP " + resp.status); });
      }
      setDownloads(q, graph);
      if (graph) {
        return resp.text().then(function (t) {
          results.textContent = "";
          var pre = document.createElement("pre"); pre.textContent = t; results.appendChild(pre);
          status.textContent = resp.headers.get("X-Result-Count") + " triples, " + ms + " ms";
        });
      }
      return resp.json().then(function (data) {
        var n = renderTable(data);
        status.textContent = n + " result" + (n === 1 ? "" : "s") + ", " + ms + " ms";
      });
    }).catch(function (err) {
      status.className = "error"; status.textContent = err.message;
    });
  });
})();
