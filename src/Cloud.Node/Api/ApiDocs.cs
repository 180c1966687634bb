namespace Fleet.Cloud.Api;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>) and a browsable reference page (<c>/api-docs</c>) that renders it
/// with no external scripts, so it works on an offline control plane. Both are public: they describe, never expose data.
/// What the document says is built by <see cref="ApiContract"/>.
/// </summary>
public static class ApiDocs
{
    public static void MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapGet("/api-docs", () => Results.Content(Page, "text/html; charset=utf-8")).ExcludeFromDescription();
    }

    private const string Page = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Fleet API reference</title>
        <style>
          body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:960px;color:#1b1f3b}
          h1{font-size:1.5rem} h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ddd}
          details{border:1px solid #e3e3e3;border-radius:6px;margin:.4rem 0;padding:.3rem .6rem}
          summary{cursor:pointer} code,pre{font-family:ui-monospace,monospace} pre{background:#f6f6f6;padding:.5rem;overflow:auto}
          .m{display:inline-block;width:4.2rem;font-weight:700} .get{color:#0a7} .post{color:#c60} .delete{color:#c22}
        </style></head>
        <body><h1 id="t">Fleet API reference</h1><p id="d"></p><p>Raw document: <a href="/openapi/v1.json">/openapi/v1.json</a></p><div id="ops">loading…</div>
        <script>
        fetch('/openapi/v1.json').then(r => r.json()).then(doc => {
          document.getElementById('t').textContent = doc.info.title + ' ' + doc.info.version;
          document.getElementById('d').textContent = doc.info.description || '';
          const byTag = {};
          for (const [path, item] of Object.entries(doc.paths || {}))
            for (const [method, op] of Object.entries(item)) {
              if (!op || typeof op !== 'object' || !op.responses) continue;
              const tag = (op.tags && op.tags[0]) || 'other';
              (byTag[tag] = byTag[tag] || []).push({ path, method, op });
            }
          const root = document.getElementById('ops'); root.textContent = '';
          for (const tag of Object.keys(byTag).sort()) {
            const h = document.createElement('h2'); h.textContent = tag; root.appendChild(h);
            for (const { path, method, op } of byTag[tag]) {
              const d = document.createElement('details'), s = document.createElement('summary');
              const m = document.createElement('span'); m.className = 'm ' + method; m.textContent = method.toUpperCase();
              const c = document.createElement('code'); c.textContent = path;
              s.append(m, c, document.createTextNode('  ' + (op.summary || ''))); d.appendChild(s);
              const pre = document.createElement('pre');
              pre.textContent = JSON.stringify({ parameters: op.parameters, requestBody: op.requestBody, responses: op.responses }, null, 2);
              d.appendChild(pre); root.appendChild(d);
            }
          }
        }).catch(e => { document.getElementById('ops').textContent = 'cannot load /openapi/v1.json: ' + e; });
        </script></body></html>
        """;
}
