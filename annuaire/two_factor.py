"""Optional two-factor login for moderators: a TOTP code from an authenticator app
(django-otp's TOTP devices), asked at the admin login of whoever has activated it.

django-otp's own login form asks every user for a code; here a moderator without a device
logs in with a password, and one with a confirmed device cannot log in without a valid code.
Activation lives on « Double authentification », reached from the admin's home: a QR code
(segno, an inline SVG drawn by the server) and the secret to type, then a code to confirm.
"""

import base64
import io

import segno
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user, match_token
from django_otp.plugins.otp_totp.models import TOTPDevice


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 8)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        return "".join(str(super().clean(value)).split())


class TwoFactorLoginForm(AdminAuthenticationForm):
    """The admin login: e-mail and password, plus the code for accounts that activated it."""

    otp_token = CodeField(
        label=gettext_lazy("Code de double authentification"),
        help_text=gettext_lazy(
            "Seulement si vous l'avez activée : les 6 chiffres de l'application."
        ),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is None or not any(devices_for_user(user, confirmed=True)):
            return cleaned
        token = cleaned.get("otp_token", "")
        device = match_token(user, token) if token else None
        if device is None:
            raise forms.ValidationError(
                _(
                    "La double authentification est activée pour ce compte : saisissez le "
                    "code à 6 chiffres de votre application (un code ne sert qu'une fois)."
                ),
                code="otp",
            )
        user.otp_device = device  # django-otp marks the session as verified at login
        return cleaned


class ConfirmCodeForm(forms.Form):
    token = CodeField(label=gettext_lazy("Code affiché par l'application"))


def _qr_svg(uri):
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer,
        kind="svg",
        scale=5,
        border=4,
        light="#fff",
        xmldecl=False,
        title=_("QR code à scanner avec l'application d'authentification"),
    )
    return buffer.getvalue().decode()


@require_http_methods(["GET", "HEAD", "POST"])
def two_factor(request):
    """Activate (scan, confirm with a code) or deactivate (with a code) the TOTP device."""
    user = request.user
    confirmed = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    form = ConfirmCodeForm(request.POST or None)
    if confirmed is not None:
        if request.method == "POST" and form.is_valid():
            if confirmed.verify_token(form.cleaned_data["token"]):
                TOTPDevice.objects.devices_for_user(user, confirmed=None).delete()
                messages.success(request, _("Double authentification désactivée."))
                return redirect("admin_two_factor")
            form.add_error("token", _("Code incorrect ou déjà utilisé."))
        context = {"active": True, "form": form}
    else:
        pending, _created = TOTPDevice.objects.get_or_create(
            user=user, confirmed=False, defaults={"name": _("Application d'authentification")}
        )
        if request.method == "POST" and form.is_valid():
            if pending.verify_token(form.cleaned_data["token"]):
                pending.confirmed = True
                pending.save(update_fields=["confirmed"])
                messages.success(
                    request,
                    _("Double authentification activée : le code sera demandé à chaque connexion."),
                )
                return redirect("admin_two_factor")
            form.add_error("token", _("Code incorrect : vérifiez l'heure du téléphone."))
        context = {
            "active": False,
            "form": form,
            "qr_svg": _qr_svg(pending.config_url),
            "secret": _grouped_base32(pending.bin_key),
        }
    context.update(admin.site.each_context(request), title=_("Double authentification"))
    return render(request, "admin/two_factor.html", context)


def _grouped_base32(key):
    """The secret as an app asks to type it: base32, in groups of four."""
    text = base64.b32encode(key).decode().rstrip("=")
    return " ".join(text[index : index + 4] for index in range(0, len(text), 4))
