/* sandex console — SPDX-License-Identifier: Apache-2.0
   Progressive enhancement only: every page works as plain forms and links; this adds copy buttons,
   "Send code" without leaving the form, the "Add my IP" helper and a menu that closes on Escape.
   Loaded as a static file so the Content-Security-Policy can forbid inline scripts. */
(function () {
  "use strict";

  function csrfOf(element) {
    var form = element.closest("form");
    var field = (form || document).querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  }

  function copyText(button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) { return; }
    var text = target.innerText.trim();
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      button.classList.add("copied");
      setTimeout(function () { button.textContent = label; button.classList.remove("copied"); }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { selectText(target); });
    } else {
      selectText(target);
      try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
    }
  }

  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function sendCode(button) {
    var field = button.closest(".field");
    var status = field ? field.querySelector("[data-code-status]") : null;
    var body = new URLSearchParams();
    body.set("purpose", button.getAttribute("data-purpose") || "");
    body.set("reference", button.getAttribute("data-reference") || "");
    body.set("csrf_token", csrfOf(button));
    button.disabled = true;
    var show = function (ok, message) {
      if (!status) { return; }
      status.textContent = message;
      status.classList.toggle("is-error", !ok);
    };
    fetch("/account/email-code", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString()
    }).then(function (response) {
      if (response.status === 403) { throw new Error("This page has expired: reload it."); }
      return response.json();
    }).then(function (answer) {
      show(answer.ok, answer.message);
      if (answer.ok) {
        var input = field.querySelector("input");
        if (input) { input.focus(); }
      }
    }).catch(function (error) {
      show(false, error.message || "The code could not be sent.");
    }).finally(function () {
      // A short pause before another code may be asked for: each new code replaces the last one.
      setTimeout(function () { button.disabled = false; }, 3000);
    });
  }

  function addIp(button) {
    var list = document.querySelector("[data-ip-list]");
    var ip = button.getAttribute("data-add-ip");
    if (!list || !ip) { return; }
    var entries = list.value.split(/[\s,]+/).filter(Boolean);
    if (entries.indexOf(ip) === -1) { entries.push(ip); }
    list.value = entries.join("\n");
    list.focus();
  }

  var IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/(3[0-2]|[12]?\d))?$/;
  var IPV6 = /^[0-9a-fA-F:.]+(%\w+)?(\/(12[0-8]|1[01]\d|[1-9]?\d))?$/;

  function checkIps(list) {
    // A first opinion while typing; the server checks the list for real.
    var feedback = document.querySelector("[data-ip-feedback]");
    if (!feedback) { return; }
    var entries = list.value.split(/[\s,]+/).filter(Boolean);
    var bad = entries.filter(function (entry) {
      return !(IPV4.test(entry) || (entry.indexOf(":") !== -1 && IPV6.test(entry)));
    });
    if (bad.length) {
      feedback.textContent = "“" + bad[0] + "” does not look like an IP address or CIDR network.";
    } else if (entries.length > 20) {
      feedback.textContent = "Bind at most 20 IP addresses or networks.";
    } else {
      feedback.textContent = "";
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (button && button.hasAttribute("data-copy")) { copyText(button); }
    if (button && button.hasAttribute("data-send-code")) { event.preventDefault(); sendCode(button); }
    if (button && button.hasAttribute("data-add-ip")) { addIp(button); }
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.removeAttribute("open"); }
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });

  function keepLive(region) {
    // Market pages: re-fetch the region's fragment (public data; the request carries no session
    // use, so an open page does not keep a session alive). Paused while the tab is hidden or the
    // keyboard focus is inside the region, so nothing moves under the user.
    var every = Math.max(parseInt(region.getAttribute("data-live-every"), 10) || 10, 3) * 1000;
    var url = region.getAttribute("data-live");
    setInterval(function () {
      if (document.hidden || region.contains(document.activeElement)) { return; }
      // Only a region that shows the visitor's own data (their orders) sends the session cookie.
      var credentials = region.hasAttribute("data-live-session") ? "same-origin" : "omit";
      fetch(url, { credentials: credentials, headers: { "Accept": "text/html" } }).then(function (response) {
        return response.ok ? response.text() : null;
      }).then(function (html) {
        if (html !== null) { region.innerHTML = html; }
      }).catch(function () { /* try again next time */ });
    }, every);
  }

  function showShare(slider) {
    // The order form's share of the available balance: the server works the size out exactly, so
    // moving the slider empties the typed size rather than guessing it here in floating point.
    var form = slider.closest("form");
    var out = form ? form.querySelector("[data-pct-out]") : null;
    var size = form ? form.querySelector('input[name="sz"]') : null;
    if (out) { out.textContent = slider.value + "%"; }
    if (size && slider.value !== "0") { size.value = ""; }
  }

  document.querySelectorAll("[data-live]").forEach(keepLive);

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-ip-list]")) { checkIps(event.target); }
    if (event.target.matches && event.target.matches("[data-pct]")) { showShare(event.target); }
  });
})();
