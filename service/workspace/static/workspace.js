// kfd-tagger Arbeitsplatz: small progressive enhancements; every page also works without this file.
"use strict";

// Hochladen: files dropped on the drop zone go into the file input, and the form is sent.
function setUpDropzone() {
  const zone = document.getElementById("dropzone");
  const input = document.getElementById("dateien");
  if (!zone || !input) return;
  ["dragenter", "dragover"].forEach((name) =>
    zone.addEventListener(name, (event) => { event.preventDefault(); zone.classList.add("over"); }));
  ["dragleave", "drop"].forEach((name) =>
    zone.addEventListener(name, () => zone.classList.remove("over")));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    if (!event.dataTransfer || !event.dataTransfer.files.length) return;
    input.files = event.dataTransfer.files;
    input.form.requestSubmit();
  });
}

// Prüfen: the keys shown on the page. Enter saves, a theme's key toggles it, p/n/u/g set the sentiment,
// s skips, z or Backspace undoes. Keys typed into a text field, or with Ctrl/Alt/Meta, are left alone.
function setUpReviewKeys() {
  const form = document.getElementById("pruefen");
  const undo = document.getElementById("rueckgaengig");
  if (!form && !undo) return;
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    const target = event.target;
    if (target instanceof HTMLElement && target.matches("input[type=text], input[type=search], textarea, select")) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    let button = null;
    if (key === "Enter") {
      if (target instanceof HTMLElement && target.matches("button, a, summary")) return; // their own Enter
      button = form && form.querySelector("button[value=speichern]");
    } else if (key === "s") {
      button = form && form.querySelector("button[value=ueberspringen]");
    } else if (key === "z" || key === "Backspace") {
      button = undo && undo.querySelector("button");
    } else if (form) {
      const input = form.querySelector(`input[data-key="${CSS.escape(key)}"]`);
      if (input) {
        event.preventDefault();
        input.click();
        return;
      }
    }
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setUpDropzone();
  setUpReviewKeys();
});
