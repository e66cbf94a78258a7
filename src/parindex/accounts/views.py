from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator

from parindex.units.models import Membership


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["expired"] = self.request.GET.get("expired") == "1"
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        now = timezone.now().timestamp()
        self.request.session["parindex_login_at"] = now
        self.request.session["parindex_seen_at"] = now
        return response


def profile(request):
    memberships = Membership.objects.active().filter(user=request.user).select_related("unit")
    return render(request, "accounts/profile.html", {"memberships": memberships})
