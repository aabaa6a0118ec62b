// The query page (templates/sparql.html): YASGUI, set up for this service only.
// - every query goes to this service's endpoint (the page may reach no other host);
// - prefix completion offers the store's prefixes, term completion the classes and properties
//   the store uses (asked of this endpoint; YASGUI's default asks an outside service);
// - the named queries open in tabs with the example values of their headers;
// - the update token, when given, is sent as "Authorization: Bearer ..." (kept in the page only).
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("editor-config").textContent);
  const Yasqe = Yasgui.Yasqe;
  const tokenField = document.getElementById("update-token");

  function authHeaders() {
    const token = tokenField.value.trim();
    return token ? { Authorization: "Bearer " + token } : {};
  }

  // Terms the store uses, for completion: asked once per kind and page, of this endpoint.
  const asked = {};
  function termsOf(query) {
    if (!asked[query]) asked[query] = fetchTerms(query);
    return asked[query];
  }
  function fetchTerms(query) {
    const body = new URLSearchParams({ query: query });
    return fetch(config.endpoint, {
      method: "POST", body: body,
      headers: Object.assign({ Accept: "application/sparql-results+json" }, authHeaders()),
    }).then((r) => (r.ok ? r.json() : { results: { bindings: [] } }))
      .then((json) => json.results.bindings.map((b) => b.t.value))
      .catch(() => []);
  }
  const CLASSES = "SELECT DISTINCT ?t WHERE { ?s a ?t FILTER(isIRI(?t)) } LIMIT 5000";
  const PROPERTIES = "SELECT DISTINCT ?t WHERE { ?s ?t ?o } LIMIT 5000";
  const prefixList = Object.keys(config.prefixes).sort()
    .map((p) => p + ": <" + config.prefixes[p] + ">");

  Yasqe.registerAutocompleter(Object.assign({}, Yasqe.Autocompleters.prefixes, {
    get: () => prefixList, persistenceId: undefined,
  }));
  Yasqe.registerAutocompleter(Object.assign({}, Yasqe.Autocompleters["class"], {
    get: () => termsOf(CLASSES), bulk: true, persistenceId: undefined,
  }));
  Yasqe.registerAutocompleter(Object.assign({}, Yasqe.Autocompleters.property, {
    get: () => termsOf(PROPERTIES), bulk: true, persistenceId: undefined,
  }));

  const root = document.getElementById("yasgui");
  root.textContent = "";
  const yasgui = new Yasgui(root, {
    persistenceId: "amikg-sparql",
    copyEndpointOnNewTab: false,
    // a link may bring a query (#query=...), never another endpoint or headers
    populateFromUrl: (tab) => Object.assign(tab, {
      requestConfig: Object.assign({}, tab.requestConfig, { endpoint: config.endpoint, headers: {} }),
    }),
    endpointCatalogueOptions: { getData: () => [{ endpoint: config.endpoint }], keys: [] },
    requestConfig: {
      endpoint: () => config.endpoint,
      method: "POST",
      headers: () => authHeaders(),
    },
    yasqe: { value: config.query, prefixCcApi: null },
  });

  document.querySelectorAll("#examples button.example").forEach((button) => {
    button.addEventListener("click", () => {
      const ex = config.examples[Number(button.dataset.index)];
      const open = Object.values(yasgui._tabs).find((t) => t.getName() === ex.name);
      if (open) {
        open.setQuery(ex.sparql);
        yasgui.selectTabId(open.getId());
      } else {
        yasgui.addTab(true, { name: ex.name, yasqe: { value: ex.sparql } });
      }
      root.scrollIntoView({ block: "start" });
    });
  });
  window.amikgYasgui = yasgui;   // for people at the console, and the browser tests
})();
