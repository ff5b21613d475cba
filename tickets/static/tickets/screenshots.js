// The student forms' screenshot field (templates/student/_screenshots_field.html), on top of a plain
// <input type=file multiple> that works without this script:
//   - files come from the picker, from Ctrl+V anywhere on the page (a pasted screenshot) and from
//     drag-and-drop onto the form; each shows as a thumbnail with a "remove" button;
//   - the chosen files are written back into the input (DataTransfer), so the form posts as it always did;
//   - a file the server would refuse is not attached and the reason is shown at once. The limits and the
//     messages are the server's (data-max-count/-bytes/-pixels, data-accept, data-msg-*: tickets.uploads).
// No inline script or style: the Content-Security-Policy allows scripts from 'self' only; thumbnails are
// data: URLs (img-src 'self' data:).
(function () {
  "use strict";

  var THUMB_SIZE = 200;  // px, the longer side of a thumbnail drawn in the page

  function Field(box) {
    this.box = box;
    this.form = box.closest("form");
    this.input = box.querySelector("input[type=file]");
    this.list = box.querySelector("[data-attachments]");
    this.errors = box.querySelector("[data-attachment-errors]");
    this.zone = box.querySelector("[data-dropzone]");
    var data = box.dataset;
    this.limits = {
      count: parseInt(data.maxCount, 10), bytes: parseInt(data.maxBytes, 10), pixels: parseInt(data.maxPixels, 10),
      types: (data.accept || "").split(","),
    };
    this.entries = [];  // {file, item}
    this.pasted = 0;
    box.classList.add("enhanced");
    this.bind();
  }

  Field.prototype.bind = function () {
    var self = this;
    this.input.addEventListener("change", function () {
      // The picker replaces the input's files: take the new ones, then write the whole list back.
      var picked = Array.prototype.slice.call(self.input.files);
      self.add(picked);
    });
    ["dragenter", "dragover"].forEach(function (name) {
      self.form.addEventListener(name, function (event) {
        if (!hasFiles(event)) { return; }
        event.preventDefault();
        self.zone.classList.add("dragover");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      self.form.addEventListener(name, function () { self.zone.classList.remove("dragover"); });
    });
    this.form.addEventListener("drop", function (event) {
      if (!hasFiles(event)) { return; }
      event.preventDefault();
      self.add(Array.prototype.slice.call(event.dataTransfer.files));
    });
    this.box.querySelector("[data-pick]").addEventListener("click", function () { self.input.click(); });
    this.list.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-remove]");
      if (!button) { return; }
      var item = button.closest("[data-attachment]");
      self.entries = self.entries.filter(function (entry) { return entry.item !== item; });
      item.remove();
      self.sync();
    });
  };

  Field.prototype.message = function (file, key) {
    return (file.name ? file.name + ": " : "") + this.box.dataset[key];
  };

  // What the server would say about a file before it is decoded (type, size); pixels are checked on decoding.
  Field.prototype.problem = function (file) {
    if (this.limits.types.indexOf(file.type) < 0) { return this.message(file, "msgType"); }
    if (file.size === 0) { return this.message(file, "msgEmpty"); }
    if (file.size > this.limits.bytes) { return this.message(file, "msgSize"); }
    return "";
  };

  Field.prototype.add = function (files) {
    var self = this;
    var problems = [];
    files.forEach(function (file) {
      var problem = self.problem(file);
      if (!problem && self.entries.length >= self.limits.count) {
        problem = (file.name ? file.name + ": " : "") + self.box.dataset.msgCount;
      }
      if (problem) { problems.push(problem); return; }
      var entry = {file: file, item: self.item(file)};
      self.entries.push(entry);
      self.thumbnail(entry);
    });
    this.show(problems);
    this.sync();
  };

  Field.prototype.item = function (file) {
    var item = document.createElement("li");
    item.setAttribute("data-attachment", "");
    var image = document.createElement("img");
    image.alt = file.name;
    var name = document.createElement("span");
    name.className = "name";
    name.textContent = file.name;
    name.title = file.name;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.setAttribute("data-remove", "");
    remove.setAttribute("aria-label", this.box.dataset.labelRemove + ": " + file.name);
    remove.title = this.box.dataset.labelRemove;
    remove.textContent = "×";
    item.appendChild(image);
    item.appendChild(name);
    item.appendChild(remove);
    this.list.appendChild(item);
    return item;
  };

  // Decode in the page: a thumbnail, the pixel limit, and "damaged" for what the browser cannot read.
  Field.prototype.thumbnail = function (entry) {
    var self = this;
    if (typeof createImageBitmap !== "function") { return; }
    createImageBitmap(entry.file).then(function (bitmap) {
      if (bitmap.width * bitmap.height > self.limits.pixels) {
        self.refuse(entry, self.message(entry.file, "msgSize"));
        return;
      }
      var scale = Math.min(1, THUMB_SIZE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      entry.item.querySelector("img").src = canvas.toDataURL("image/png");
      if (bitmap.close) { bitmap.close(); }
    }).catch(function () {
      self.refuse(entry, self.message(entry.file, "msgDamaged"));
    });
  };

  Field.prototype.refuse = function (entry, problem) {
    this.entries = this.entries.filter(function (other) { return other !== entry; });
    entry.item.remove();
    this.show([problem], true);
    this.sync();
  };

  Field.prototype.show = function (problems, append) {
    var errors = this.errors;
    if (!append) { errors.textContent = ""; }
    problems.forEach(function (text) {
      var line = document.createElement("li");
      line.textContent = text;
      errors.appendChild(line);
    });
  };

  // The input carries exactly the attached files: what the form sends is what the student sees.
  Field.prototype.sync = function () {
    var transfer = new DataTransfer();
    this.entries.forEach(function (entry) { transfer.items.add(entry.file); });
    this.input.files = transfer.files;
  };

  Field.prototype.paste = function (files) {
    var self = this;
    this.add(files.map(function (file) {
      // A pasted screenshot is called "image.png" by every browser: give each its own name.
      self.pasted += 1;
      var extension = (file.type.split("/")[1] || "png").replace("jpeg", "jpg");
      return new File([file], self.box.dataset.labelPasted + " " + self.pasted + "." + extension, {type: file.type});
    }));
  };

  function hasFiles(event) {
    var types = event.dataTransfer && event.dataTransfer.types;
    return !!types && Array.prototype.indexOf.call(types, "Files") >= 0;
  }

  function init() {
    if (typeof DataTransfer !== "function") { return; }  // cannot fill the input: the plain picker stays
    var fields = [];
    document.querySelectorAll("[data-screenshots]").forEach(function (box) {
      try { new DataTransfer(); } catch (error) { return; }
      fields.push(new Field(box));
    });
    if (!fields.length) { return; }
    document.addEventListener("paste", function (event) {
      var files = Array.prototype.slice.call((event.clipboardData && event.clipboardData.files) || []);
      if (!files.length) { return; }
      var form = event.target.closest && event.target.closest("form");
      var field = fields.filter(function (f) { return f.form === form; })[0] || fields[0];
      // Pasting a picture into a text box would insert nothing useful; text pastes as usual.
      if (!event.clipboardData.getData("text/plain")) { event.preventDefault(); }
      field.paste(files);
    });
    // Files dropped next to the form must not replace the page (and the typed text) with the picture:
    // they are attached like files dropped on the form.
    document.addEventListener("dragover", function (event) { if (hasFiles(event)) { event.preventDefault(); } });
    document.addEventListener("drop", function (event) {
      if (!hasFiles(event) || event.defaultPrevented) { return; }
      event.preventDefault();
      fields[0].add(Array.prototype.slice.call(event.dataTransfer.files));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
