// Posts forms marked data-autosubmit as soon as the page loads (3-D Secure hand-offs).
document.querySelectorAll("form[data-autosubmit]").forEach(function (form) { form.submit(); });
