// The mail view's live updates (server-sent events). The pages work without this file:
// it only keeps the unseen counts and the message list current without a reload.
(function () {
  "use strict";
  var page = document.querySelector("[data-events]");
  if (!page || !window.EventSource) {
    return;
  }
  var shown = page.getAttribute("data-mailbox");
  var version = page.getAttribute("data-version");
  var live = page.getAttribute("data-live") === "1";
  var loading = false;

  function showUnseen(box) {
    var counts = document.querySelectorAll('[data-unseen="' + box.id + '"]');
    Array.prototype.forEach.call(counts, function (count) {
      count.textContent = box.unseen ? String(box.unseen) : "";
    });
  }

  function somethingChosen() {
    return document.querySelector("#message-list input[type=checkbox]:checked") !== null;
  }

  // Fetch this very page again and put its message list in place of ours.
  function reloadList() {
    if (loading || somethingChosen()) {
      return;
    }
    loading = true;
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        return response.ok ? response.text() : "";
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var list = fresh.getElementById("message-list");
        var old = document.getElementById("message-list");
        if (list && old) {
          old.replaceWith(document.importNode(list, true));
        }
      })
      .finally(function () {
        loading = false;
      });
  }

  var source = new EventSource(page.getAttribute("data-events"));
  source.addEventListener("mailboxes", function (event) {
    JSON.parse(event.data).forEach(function (box) {
      showUnseen(box);
      if (String(box.id) !== shown) {
        return;
      }
      var now = box.messages + ":" + box.uidnext + ":" + box.modseq;
      if (now !== version) {
        version = now;
        if (live) {
          reloadList();
        }
      }
    });
  });
})();
