/* global document -- a browser script, served at /assets/auto-submit.js */
// Submits the page's form marked data-auto-submit once the page has loaded (the logout of a
// browser that is signed out already: back to the application without a click). Without
// script, the form's button does the same.
document.addEventListener('DOMContentLoaded', function () {
  var form = document.querySelector('form[data-auto-submit]');
  if (form) {
    form.submit();
  }
});
