from parindex.core.shell import nav_for


def shell(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"nav_items": nav_for(request)}
