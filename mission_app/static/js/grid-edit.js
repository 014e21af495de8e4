// Drag and drop in the schedule grid. A meeting dropped on a free cell is moved there; dropped
// on another meeting, the two are swapped (after a question); a request without a meeting
// dropped on a free cell gets one. The server checks every edit: on success the grid reloads,
// on refusal its reasons are shown above the grid and the meeting stays where it was. Every
// edit also exists as a plain form (the "Edit" link of each meeting), for keyboards and for
// browsers without script.
(function () {
  "use strict";
  var feedback = document.getElementById("grid-feedback");
  if (!feedback) return;
  var dragged = null;
  var hovered = null;

  function dropTarget(event) {
    if (!dragged || !event.target.closest) return null;
    var cell = event.target.closest("td.free[data-start]");
    if (cell) return cell;
    if (dragged.dataset.meeting) {
      var other = event.target.closest(".grid-meeting[data-meeting]");
      if (other && other !== dragged && other.getAttribute("draggable") === "true") return other;
    }
    return null;
  }

  function setHovered(element) {
    if (hovered === element) return;
    if (hovered) hovered.classList.remove("drop-target");
    hovered = element;
    if (hovered) hovered.classList.add("drop-target");
  }

  document.addEventListener("dragstart", function (event) {
    var source = event.target.closest && event.target.closest('[draggable="true"]');
    if (!source || !(source.dataset.meeting || source.dataset.request)) return;
    dragged = source;
    source.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    // Only our label travels: a person's link inside the card must not be dropped as a URL.
    event.dataTransfer.clearData();
    event.dataTransfer.setData("text/plain", source.dataset.label || "");
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    setHovered(null);
  });

  document.addEventListener("dragover", function (event) {
    var target = dropTarget(event);
    setHovered(target);
    if (!target) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
  });

  document.addEventListener("drop", function (event) {
    var target = dropTarget(event);
    if (!target) return;
    event.preventDefault();
    var source = dragged;
    setHovered(null);
    if (target.matches("td.free")) {
      var place = { start: target.dataset.start, venue: target.dataset.venue, table: target.dataset.table };
      if (source.dataset.meeting) {
        place.version = source.dataset.version;
        send(source.dataset.moveUrl, place, source);
      } else {
        send(source.dataset.addUrl, place, source);
      }
      return;
    }
    var question = feedback.dataset.swapQuestion + "\n\n" + source.dataset.label + "\n" + target.dataset.label;
    if (!window.confirm(question)) return;
    send(source.dataset.swapUrl, {
      version: source.dataset.version,
      other: target.dataset.meeting + ":" + target.dataset.version
    }, source);
  });

  function send(url, fields, source) {
    var body = new URLSearchParams(fields);
    body.set("csrf_token", feedback.dataset.csrf);
    show("pending", feedback.dataset.saving, []);
    source.classList.add("saving");
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      return type.indexOf("application/json") === 0 ? response.json() : null;
    }).catch(function () {
      return null;
    }).then(function (answer) {
      source.classList.remove("saving");
      if (answer && answer.ok) {
        go(answer.url);
      } else if (answer) {
        show("error", answer.message, answer.reasons || []);
        markRefused(answer.meeting ? document.getElementById("m" + answer.meeting) : source);
      } else {
        show("error", feedback.dataset.expired, []);
      }
    });
  }

  function go(url) {
    var next = new URL(url, window.location.href);
    var here = window.location;
    if (next.pathname === here.pathname && next.search === here.search) {
      window.history.replaceState(null, "", next.href);
      window.location.reload();
    } else {
      window.location.assign(next.href);
    }
  }

  function show(kind, message, reasons) {
    feedback.replaceChildren();
    feedback.className = "grid-feedback " + kind;
    var title = document.createElement("p");
    title.textContent = message;
    feedback.appendChild(title);
    if (reasons.length) {
      var list = document.createElement("ul");
      reasons.forEach(function (reason) {
        var item = document.createElement("li");
        item.textContent = reason;
        list.appendChild(item);
      });
      feedback.appendChild(list);
    }
    if (kind === "error") {
      var close = document.createElement("button");
      close.type = "button";
      close.className = "close";
      close.textContent = "×";
      close.setAttribute("aria-label", feedback.dataset.close || "×");
      close.addEventListener("click", function () { feedback.hidden = true; });
      feedback.appendChild(close);
    }
    feedback.hidden = false;
  }

  function markRefused(card) {
    document.querySelectorAll(".grid-meeting.refused").forEach(function (element) {
      element.classList.remove("refused");
    });
    if (card && card.classList.contains("grid-meeting")) card.classList.add("refused");
  }
})();
