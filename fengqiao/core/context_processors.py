from django.conf import settings

from fengqiao import __version__

from .navigation import grouped, modules_for


def platform(request):
    user = getattr(request, "user", None)
    modules = modules_for(user) if user is not None and user.is_authenticated else []
    return {
        "PLATFORM_VERSION": __version__,
        "LOCKOUT_ATTEMPTS": settings.AXES_FAILURE_LIMIT,
        "LOCKOUT_MINUTES": round(float(settings.AXES_COOLOFF_TIME) * 60),
        "nav_modules": modules,
        "nav_groups": grouped(modules),
        "DEBUG": settings.DEBUG,
    }
