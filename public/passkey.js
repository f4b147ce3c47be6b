/* global window, document, fetch, URLSearchParams, FormData -- a browser script; it uses
   window.SimpleWebAuthnBrowser, from /assets/simplewebauthn-browser.js */
// The passkey ceremony, as progressive enhancement: pages render passkey controls hidden
// (`[data-passkey]`), and this script shows them only where WebAuthn is available. A form with
// `data-passkey-ceremony="register|authenticate"` asks `data-passkey-options` (a POST with the
// form's fields) for the ceremony's options, runs it in the browser, puts the answer in the
// form's `credential` field and submits the form as usual: the server verifies it and answers
// with a page or a redirect, as for any form.
(function () {
  'use strict';
  var webauthn = window.SimpleWebAuthnBrowser;
  if (!webauthn || !window.PublicKeyCredential || !webauthn.browserSupportsWebAuthn()) {
    return;
  }
  document.querySelectorAll('[data-passkey]').forEach(function (element) {
    element.hidden = false;
  });
  document.querySelectorAll('[data-passkey-unsupported]').forEach(function (element) {
    element.hidden = true;
  });

  function say(form, message) {
    var box = form.querySelector('[data-passkey-error]');
    if (box) {
      box.textContent = message;
      box.hidden = !message;
    }
  }

  function optionsFor(form) {
    var fields = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (name !== 'credential' && typeof value === 'string') {
        fields.append(name, value);
      }
    });
    return fetch(form.getAttribute('data-passkey-options'), {
      method: 'POST',
      headers: { Accept: 'application/json' },
      body: fields,
      credentials: 'same-origin',
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (body) {
          if (!response.ok || !body.options) {
            throw new Error(
              body.error ||
                'Gatehouse could not start the passkey request. Reload the page and try again.',
            );
          }
          return body.options;
        });
    });
  }

  document.querySelectorAll('form[data-passkey-ceremony]').forEach(function (form) {
    var busy = false;
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (busy) {
        return;
      }
      busy = true;
      say(form, '');
      var register = form.getAttribute('data-passkey-ceremony') === 'register';
      optionsFor(form)
        .then(
          function (options) {
            return register
              ? webauthn.startRegistration({ optionsJSON: options })
              : webauthn.startAuthentication({ optionsJSON: options });
          },
          function (error) {
            error.fromServer = true;
            throw error;
          },
        )
        .then(function (credential) {
          form.querySelector('input[name="credential"]').value = JSON.stringify(credential);
          // The password was checked when the options were issued; it is not sent twice.
          form.querySelectorAll('input[type="password"]').forEach(function (input) {
            input.value = '';
          });
          form.submit();
        })
        .catch(function (error) {
          busy = false;
          say(
            form,
            error && error.fromServer
              ? error.message
              : error && error.name === 'InvalidStateError'
                ? 'This device already has a passkey for your account.'
                : 'The passkey request was cancelled or timed out. Try again.',
          );
        });
    });
  });
})();
