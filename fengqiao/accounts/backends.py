from django.contrib.auth.backends import ModelBackend


class UnitAwareModelBackend(ModelBackend):
    """Sign-in and sessions also end when the user's unit is deactivated, not only the account."""

    def user_can_authenticate(self, user):
        if not super().user_can_authenticate(user):
            return False
        org = getattr(user, "org", None)
        return org is None or org.is_active
