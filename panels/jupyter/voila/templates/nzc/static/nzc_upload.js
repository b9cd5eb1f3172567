/* nzc-review self-check page (申报自查): a file above the upload limit is refused here, in
 * the browser, before it is sent (the server would close the connection of a message that
 * large, and the visitor would see nothing). The upload widget carries its limit in a class,
 * "nzc-max-<bytes>" (nzc_review/ui/self_check.py); the kernel checks every upload again.
 * Only the widget marked "nzc-upload" is watched: other panels are left alone.
 */
(function () {
  "use strict";

  function sizeText(bytes) {
    var mb = 1024 * 1024;
    if (bytes < 1024) { return bytes + " 字节"; }
    if (bytes < mb) { return Math.round(bytes / 1024) + " KB"; }
    return (Math.round(bytes / mb * 10) / 10).toString() + " MB";
  }

  function limitOf(box) {
    for (var i = 0; i < box.classList.length; i++) {
      var m = /^nzc-max-(\d+)$/.exec(box.classList[i]);
      if (m) { return parseInt(m[1], 10); }
    }
    return 0;
  }

  function say(box, text) {
    var note = box.parentNode && box.parentNode.querySelector(".nzc-upload-refused");
    if (!note && box.parentNode) {
      note = document.createElement("div");
      note.className = "nzc-upload-refused";
      note.setAttribute("role", "alert");
      note.style.cssText = "padding:10px 14px;border-radius:6px;margin:6px 0;background:#fdecea;" +
        "color:#b71c1c;border:1px solid #f5c2c0;font:14px 'Noto Sans CJK SC','Microsoft YaHei'," +
        "sans-serif;max-width:1100px";
      box.parentNode.insertBefore(note, box.nextSibling);
    }
    if (note) { note.textContent = text; note.style.display = text ? "" : "none"; }
  }

  function check(event, input, box) {
    var limit = limitOf(box);
    var files = input.files || [];
    for (var i = 0; i < files.length; i++) {
      var size = files[i].size;
      if (limit && size > limit) {
        event.stopImmediatePropagation();  /* the widget never reads the file */
        input.value = "";  /* empties the (live) file list too */
        say(box, "文件过大（" + sizeText(size) + "），本页面最多接受 " + sizeText(limit) +
          "（本工具默认规则）。申报模板通常只有几十 KB，请检查是否选错了文件，或删除工作簿中的图片和" +
          "多余的工作表后再上传。");
        return;
      }
    }
    say(box, "");
  }

  /* The widget's file input is not in the page (the button's label replaces it), so its
   * "change" event never reaches the document: the input is watched when the button opens it.
   * A capturing listener on the input itself runs before the widget's own (DOM Standard,
   * "inner invoke": capture listeners first at the target). */
  var lastBox = null;
  document.addEventListener("click", function (event) {
    var target = event.target;
    lastBox = target && target.closest ? target.closest(".nzc-upload") : null;
  }, true);
  var click = HTMLInputElement.prototype.click;
  HTMLInputElement.prototype.click = function () {
    if (this.type === "file" && lastBox && !this.nzcWatched) {
      var box = lastBox;
      var input = this;
      input.nzcWatched = true;
      input.addEventListener("change", function (event) { check(event, input, box); }, true);
    }
    return click.apply(this, arguments);
  };
})();
