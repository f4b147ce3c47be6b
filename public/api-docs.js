/* global window, SwaggerUIBundle -- a browser script; SwaggerUIBundle comes from swagger-ui-bundle.js */
// Swagger UI for the document at /api/docs/openapi.json. Read-only: "Try it out" would need an
// OAuth client registered for this page, so requests are made with a real client instead.
window.addEventListener('load', () => {
  SwaggerUIBundle({
    url: '/api/docs/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    supportedSubmitMethods: [],
  });
});
