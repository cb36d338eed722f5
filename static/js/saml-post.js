// HTTP-POST binding (SAML Bindings 3.5.4): carry the message on to the service provider.
// The form also works without JavaScript: its button submits it.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("saml-post");
  if (form) {
    form.submit();
  }
});
