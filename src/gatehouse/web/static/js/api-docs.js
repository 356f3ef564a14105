// /v1/api/docs: start Swagger UI (its bundle, from the installed fastapi-offline package,
// is loaded by the page just before this file) on the server's OpenAPI document.
const root = document.getElementById("swagger-ui");
window.ui = window.SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  domNode: root,
  deepLinking: true,
  presets: [window.SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
