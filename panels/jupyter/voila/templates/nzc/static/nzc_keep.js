/* nzc-review panels: keep what an expert types, and say when the server is gone.
 *
 * 1. Connection. Every websocket to a kernel (".../channels") is watched: when it closes
 *    (the server stopped or restarted, the network dropped) a banner says so at once; when
 *    a reconnection opens, the banner goes away.
 * 2. The expert's copy. The form marks its text fields with the classes "nzc-keep" and
 *    "nzc-f-<field>", and publishes in a hidden ".nzc-form-meta" element the key of the
 *    copy (a hash of session, expert and application: never the personal token) and a
 *    fingerprint of each field's text as saved in the store. Every keystroke is copied to
 *    localStorage; a field is dropped from the copy once the saved fingerprint matches.
 *    What remains when the form appears (after a reload, a server restart) is offered back;
 *    accepted, it goes to the kernel through the hidden ".nzc-restore" text box and is saved.
 *    See nzc_review/ui/local_copy.py.
 */
(function () {
  "use strict";
  var PREFIX = "nzc-draft-";
  var unloading = false;
  var shownKey = null;
  var lostBanner = null;
  var offerBanner = null;

  window.addEventListener("pagehide", function () { unloading = true; });
  window.addEventListener("beforeunload", function () { unloading = true; });

  /* The same fingerprint as nzc_review.ui.local_copy.text_hash: UTF-16 length, FNV-1a. */
  function textHash(text) {
    var h = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return text.length + ":" + ("0000000" + h.toString(16)).slice(-8);
  }

  function banner(kind) {
    var div = document.createElement("div");
    div.className = "nzc-banner nzc-banner-" + kind;
    div.setAttribute("role", "alert");
    div.style.cssText = "position:fixed;left:0;right:0;z-index:10000;padding:10px 16px;" +
      "font:15px 'Noto Sans CJK SC','Microsoft YaHei',sans-serif;box-shadow:0 2px 6px #0003;" +
      (kind === "lost" ? "top:0;background:#b71c1c;color:#fff;"
                       : "bottom:0;background:#fff8e1;color:#3e2723;border-top:2px solid #f9a825;");
    document.body.appendChild(div);
    return div;
  }

  function button(text, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.style.cssText = "margin-left:12px;padding:3px 14px;font-size:14px;cursor:pointer;";
    b.addEventListener("click", onClick);
    return b;
  }

  /* --- 1. the connection ------------------------------------------------------------- */

  function showLost() {
    if (unloading || !document.body) { return; }
    if (!lostBanner) { lostBanner = banner("lost"); }
    lostBanner.textContent = document.querySelector(".nzc-form-meta")
      ? "与服务器的连接已中断，您输入的内容已保存在本机浏览器中，连接恢复后请刷新页面。"
      : "与服务器的连接已中断，连接恢复后请刷新页面。";
    lostBanner.appendChild(button("刷新页面", function () { window.location.reload(); }));
    lostBanner.style.display = "block";
  }

  function hideLost() {
    if (lostBanner) { lostBanner.style.display = "none"; }
  }

  var Native = window.WebSocket;
  if (Native && window.Proxy && window.Reflect) {
    window.WebSocket = new Proxy(Native, {
      construct: function (target, args, newTarget) {
        var ws = Reflect.construct(target, args, newTarget);
        try {
          if (String(args[0]).indexOf("/channels") >= 0) {
            ws.addEventListener("open", hideLost);
            ws.addEventListener("close", showLost);
          }
        } catch (e) { /* watching must never break the page */ }
        return ws;
      }
    });
  }
  window.addEventListener("offline", showLost);

  /* --- 2. the expert's copy ---------------------------------------------------------- */

  function readMeta() {
    var el = document.querySelector(".nzc-form-meta");
    if (!el || !el.getAttribute("data-key")) { return null; }
    var saved = {};
    try { saved = JSON.parse(el.getAttribute("data-saved") || "{}"); } catch (e) { saved = {}; }
    return { key: el.getAttribute("data-key"), saved: saved,
             readonly: el.getAttribute("data-readonly") === "1" };
  }

  function load(key) {
    try {
      var entry = JSON.parse(window.localStorage.getItem(PREFIX + key) || "null");
      return entry && typeof entry.fields === "object" ? entry : null;
    } catch (e) { return null; }
  }

  function keep(key, entry) {
    try {
      if (Object.keys(entry.fields).length) {
        window.localStorage.setItem(PREFIX + key, JSON.stringify(entry));
      } else {
        window.localStorage.removeItem(PREFIX + key);
      }
    } catch (e) { /* storage full or disabled: the server copy is all there is */ }
  }

  function fieldName(box) {
    for (var i = 0; i < box.classList.length; i++) {
      var c = box.classList[i];
      if (c.indexOf("nzc-f-") === 0) { return c.slice(6); }
    }
    return null;
  }

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (!target || !target.closest) { return; }
    var box = target.closest(".nzc-keep");
    var meta = readMeta();
    var name = box && fieldName(box);
    if (!name || !meta || meta.readonly) { return; }
    var entry = load(meta.key) || { fields: {} };
    entry.fields[name] = target.value;
    entry.at = Date.now();
    keep(meta.key, entry);
  }, true);

  /* Drop what the store has; return what it has not. */
  function unsaved(meta) {
    var entry = load(meta.key);
    if (!entry) { return null; }
    Object.keys(entry.fields).forEach(function (name) {
      if (meta.saved[name] === textHash(String(entry.fields[name]))) { delete entry.fields[name]; }
    });
    keep(meta.key, entry);
    return Object.keys(entry.fields).length ? entry : null;
  }

  function clock(ms) {
    var d = new Date(ms);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return (d.getMonth() + 1) + "月" + d.getDate() + "日 " + two(d.getHours()) + ":" +
      two(d.getMinutes()) + ":" + two(d.getSeconds());
  }

  function offer(meta, entry) {
    if (offerBanner) { offerBanner.remove(); }
    offerBanner = banner("offer");
    var text = document.createElement("span");
    text.textContent = "发现未保存到服务器的内容（时间 " + clock(entry.at || Date.now()) + "）：";
    offerBanner.appendChild(text);
    offerBanner.appendChild(button("恢复", function () {
      var box = document.querySelector(".nzc-restore textarea");
      var now = load(meta.key);
      var current = readMeta();
      if (box && now && current && current.key === meta.key) {
        box.value = JSON.stringify({ fields: now.fields });
        box.dispatchEvent(new Event("input", { bubbles: true }));
      }
      offerBanner.remove();
      offerBanner = null;
    }));
    offerBanner.appendChild(button("忽略", function () {
      try { window.localStorage.removeItem(PREFIX + meta.key); } catch (e) { /* nothing */ }
      offerBanner.remove();
      offerBanner = null;
    }));
  }

  /* After every change of the page: drop what was saved; when a form appears (page loaded,
     another application chosen), offer back what its copy still holds. */
  var timer = null;
  function check() {
    timer = null;
    var meta = readMeta();
    if (!meta) { return; }
    var fresh = meta.key !== shownKey;
    shownKey = meta.key;
    var entry = unsaved(meta);
    if (!fresh) { return; }
    if (offerBanner) { offerBanner.remove(); offerBanner = null; }
    if (entry && !meta.readonly) { offer(meta, entry); }
  }

  function start() {
    new MutationObserver(function () {
      if (timer === null) { timer = window.setTimeout(check, 100); }
    }).observe(document.body, { childList: true, subtree: true, attributes: true,
                                attributeFilter: ["data-saved"] });
  }
  if (document.body) { start(); } else { document.addEventListener("DOMContentLoaded", start); }
}());
