// The lab, live (hato/web/classroom_live.py): the class page loads its table again when a
// student's session changes; a student's page adds each new transcript line as it comes
// and loads itself again when a session opens or closes. Without this script a reload
// shows the same.
"use strict";
(function () {
  const live = document.getElementById("live");
  if (live) {
    const events = new EventSource(live.dataset.events);
    events.addEventListener("changed", async function () {
      const answer = await fetch(live.dataset.table, { credentials: "same-origin" });
      if (answer.ok) {
        live.innerHTML = await answer.text();
      }
    });
  }
  const student = document.getElementById("student");
  if (student) {
    const events = new EventSource(student.dataset.events);
    events.addEventListener("changed", function () { location.reload(); });
    events.addEventListener("line", function (event) {
      const line = JSON.parse(event.data);
      const section = Array.from(student.querySelectorAll("section.transcript"))
        .find(function (s) { return s.dataset.session === line.session; });
      if (!section) {
        location.reload();
        return;
      }
      const item = document.createElement("li");
      item.className = { C: "dir-client", S: "dir-server" }[line.direction] || "dir-note";
      const time = document.createElement("time");
      time.textContent = line.at;
      const who = document.createElement("b");
      who.textContent = line.direction + ":";
      const text = document.createElement("code");
      text.textContent = line.text;
      item.append(time, " ", who, " ", text);
      if (line.hint) {
        const hint = document.createElement("p");
        hint.className = "hint";
        hint.textContent = line.hint;
        item.append(hint);
      }
      section.querySelector("ol").append(item);
    });
  }
})();
