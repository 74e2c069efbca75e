from __future__ import annotations

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.forms import LoginForm, TokenForm
from partners.permissions import request_user
from partners.roles import Role
from partners.services import totp_device_confirm, totp_device_for_enrolment


class LoginView(auth_views.LoginView):
    template_name = "partners/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        context["session_expired"] = self.request.GET.get("verlopen") == "1"
        return context


class LogoutView(auth_views.LogoutView):
    pass


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _grouped_secret(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _verified(request: HttpRequest, device: TOTPDevice) -> None:
    """The second factor passed: a new session key for the raised privilege, so a session id
    known from before (fixation) is worth nothing."""
    request.session.cycle_key()
    otp_login(request, device)


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if user.is_verified():  # type: ignore[attr-defined]
        return HttpResponseRedirect(_safe_next(request))
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolled = confirmed is not None
    device = confirmed or totp_device_for_enrolment(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        # Each wrong code doubles the wait before the next try (django-otp throttling).
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            form.add_error(
                "token", _("Te veel onjuiste codes. Wacht even en probeer dan de nieuwste code.")
            )
        elif enrolled and device.verify_token(token):
            _verified(request, device)
            return HttpResponseRedirect(_safe_next(request))
        elif not enrolled and totp_device_confirm(user=user, device=device, token=token):
            _verified(request, device)
            messages.success(request, _("Uw authenticator-app is gekoppeld."))
            return HttpResponseRedirect(_safe_next(request))
        else:
            form.add_error(
                "token", _("Deze code is onjuist of verlopen. Probeer de nieuwste code.")
            )
    context: dict[str, object] = {"form": form, "enrolled": enrolled, "next": _safe_next(request)}
    if not enrolled:
        context["qr_code"] = _qr_svg(device.config_url)
        context["secret"] = _grouped_secret(device)
    return render(request, "partners/two_factor.html", context)


def home(request: HttpRequest) -> HttpResponse:
    """The start page: one section per role the user holds."""
    user = request_user(request)
    sections = [role for role in Role if user.has_role(role)]
    return render(request, "partners/home.html", {"sections": sections, "Role": Role})
