// The live auction page: polls the auction's state.json every two seconds with If-None-Match (the server
// answers 304 while nothing changed), redraws the price, the bid history and the end, and counts down from
// the server's end time (corrected by the offset between the server's clock and this one). A separate file
// rather than an inline script: the Content-Security-Policy allows scripts from 'self' only.
(function () {
  "use strict";
  var box = document.getElementById("auction-live");
  if (!box) { return; }
  var url = box.getAttribute("data-state-url");
  var phases = JSON.parse(box.getAttribute("data-phases"));
  var yours = box.getAttribute("data-yours");
  var dayWord = box.getAttribute("data-day-word");
  var overWord = box.getAttribute("data-over");
  var untilStart = box.getAttribute("data-until-start");
  var phase = box.getAttribute("data-phase");
  var endsAt = Date.parse(box.getAttribute("data-ends-at"));
  var startsAt = Date.parse(box.getAttribute("data-starts-at"));
  var offset = 0; // server clock minus this clock, in ms
  var etag = null;
  var lastVersion = null;
  var names = box.getAttribute("data-names") === "1";
  var deposit = box.getAttribute("data-deposit"); // "0": registered, deposit not confirmed yet

  function text(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = value; }
  }

  function wan(fen) {
    if (fen === null || fen === undefined) { return "—"; }
    var negative = fen < 0;
    var cents = Math.round(Math.abs(fen) / 10000); // 万元 with two decimals, half up
    var whole = Math.floor(cents / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var frac = ("0" + (cents % 100)).slice(-2);
    return (negative ? "-" : "") + whole + "." + frac + " 万元";
  }

  function plainWan(fen) {
    var cents = Math.round(fen / 10000);
    return Math.floor(cents / 100) + "." + ("0" + (cents % 100)).slice(-2);
  }

  function beijing(iso) {
    var d = new Date(Date.parse(iso) + 8 * 3600 * 1000);
    function two(n) { return ("0" + n).slice(-2); }
    return d.getUTCFullYear() + "-" + two(d.getUTCMonth() + 1) + "-" + two(d.getUTCDate()) + " " +
      two(d.getUTCHours()) + ":" + two(d.getUTCMinutes()) + ":" + two(d.getUTCSeconds());
  }

  function span(left) {
    var s = Math.max(0, Math.floor(left / 1000));
    var days = Math.floor(s / 86400);
    s -= days * 86400;
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    function two(n) { return ("0" + n).slice(-2); }
    return (days ? days + dayWord + " " : "") + two(h) + ":" + two(m) + ":" + two(sec);
  }

  function tick() {
    var now = Date.now() + offset;
    var el = document.getElementById("auction-countdown");
    if (!el) { return; }
    if (phase === "upcoming" && now < startsAt) {
      el.textContent = untilStart + " " + span(startsAt - now);
    } else if ((phase === "running" || phase === "upcoming") && now < endsAt) {
      el.textContent = span(endsAt - now);
    } else {
      el.textContent = overWord;
    }
  }

  function row(bid) {
    var tr = document.createElement("tr");
    if (bid.mine) { tr.className = "table-success"; }
    function cell(value, cls) {
      var td = document.createElement("td");
      td.textContent = value;
      if (cls) { td.className = cls; }
      tr.appendChild(td);
      return td;
    }
    cell(String(bid.sequence));
    var who = cell(bid.bidder);
    if (bid.mine) {
      var badge = document.createElement("span");
      badge.className = "badge text-bg-success ms-1";
      badge.textContent = yours;
      who.appendChild(badge);
    }
    if (names) { cell(bid.organisation || ""); }
    cell(wan(bid.amount_fen), "text-end");
    cell(beijing(bid.placed_at) + (bid.extended ? " ↻" : ""));
    return tr;
  }

  function show(state) {
    offset = Date.parse(state.server_now) - Date.now();
    endsAt = Date.parse(state.ends_at);
    startsAt = Date.parse(state.starts_at);
    text("auction-price", wan(state.current_price_fen));
    text("auction-bid-count", String(state.bid_count));
    text("auction-minimum", wan(state.minimum_bid_fen));
    text("auction-ends", beijing(state.ends_at));
    var badge = document.querySelector("#auction-phase .badge");
    if (badge && phases[state.phase]) { badge.textContent = phases[state.phase]; }
    var leading = document.getElementById("auction-leading");
    if (leading && state.you) { leading.classList.toggle("d-none", !state.you.leading); }
    var amount = document.getElementById("amount_wan");
    if (amount && lastVersion !== null && state.version !== lastVersion && document.activeElement !== amount) {
      amount.value = plainWan(state.minimum_bid_fen);
    }
    var body = document.querySelector("#auction-history tbody");
    if (body) {
      while (body.firstChild) { body.removeChild(body.firstChild); }
      state.bids.forEach(function (bid) { body.appendChild(row(bid)); });
    }
    // an operator confirmed this bidder's deposit: the page now offers the bid form
    if (deposit === "0" && state.you && state.you.deposit_confirmed) {
      window.location.reload();
      return;
    }
    var before = phase;
    phase = state.phase;
    lastVersion = state.version;
    tick();
    // the bidding opening or ending (the close, a withdrawal) changes what the page offers: load it afresh
    if (before !== phase && (before === "running" || before === "upcoming")) {
      window.location.reload();
    }
  }

  function poll() {
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: headers })
      .then(function (response) {
        if (response.status === 304) { return null; }
        if (!response.ok) { throw new Error(String(response.status)); }
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (state) {
        if (state) { show(state); }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  tick();
  window.setInterval(tick, 1000);
  poll();
})();
